// inspect.h: a message summary as JSON, shared by `message parse` and the
// demo. The schema is documented in docs/CLI.md.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "message/message.h"

namespace authguard::cli {

[[nodiscard]] nlohmann::json summarize_message(std::string_view path, std::string_view bytes,
                                               const MessageLimits& limits);
[[nodiscard]] std::string render_summary(const nlohmann::json& summary);

}  // namespace authguard::cli
