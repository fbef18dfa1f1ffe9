// replay_main.cc: runs a libFuzzer target over its seed corpus (and simple
// mutations of each seed) with the ordinary compiler, so every fuzz target is
// also an ordinary ctest case. A crash, sanitizer report or hang fails the test.
//
//   message_fuzz_replay fuzz/corpus/message_fuzz
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

// Deterministic mutations: every truncation point (bounded), byte flips, and
// a doubled input. Cheap, but they reach the error paths of every parser.
void run_mutations(const std::string& seed) {
  std::size_t step = seed.size() > 512 ? seed.size() / 256 : 1;
  for (std::size_t n = 0; n < seed.size(); n += step) run(seed.substr(0, n));
  std::uint32_t state = 2463534242u;
  for (int i = 0; i < 64 && !seed.empty(); ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    std::string m = seed;
    m[state % m.size()] = static_cast<char>(state >> 8);
    run(m);
  }
  run(seed + seed);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path dir(argv[i]);
    if (!std::filesystem::is_directory(dir)) {
      std::fprintf(stderr, "no corpus directory: %s\n", argv[i]);
      return 1;
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::string seed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      run(seed);
      run_mutations(seed);
      ++count;
    }
  }
  if (count == 0) {
    std::fprintf(stderr, "no seeds found\n");
    return 1;
  }
  std::printf("replayed %zu seeds with mutations\n", count);
  return 0;
}
