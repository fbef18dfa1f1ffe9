/* opendmarc_bench.c: one DMARC evaluation with libopendmarc (Debian
 * libopendmarc-dev) per iteration, for the message of inbound_bench's
 * BM_DmarcEvaluate (examples/messages/contoso-newsletter.eml), and prints
 * evaluations per CPU second, so bench/dmarc_peers.sh can state a ratio.
 *
 *   cc -O2 -o opendmarc_bench bench/peers/opendmarc_bench.c -lopendmarc
 *   ./opendmarc_bench [SECONDS] [RECORD] [PSL_FILE]
 *
 * Per iteration, what OpenDMARC's milter does for one message once it has
 * the record: a policy context for the client IP, the From domain, the
 * DMARC record, the SPF result (pass, contoso.example, MAIL FROM) and the
 * DKIM result (pass, d=contoso.example), the policy to enforce (which must
 * be DMARC_POLICY_PASS), and the context freed.
 *
 * What differs from authguard's BM_DmarcEvaluate, all of it work that
 * authguard does and OpenDMARC is spared here:
 *  - OpenDMARC is handed the record text (opendmarc_policy_store_dmarc): no
 *    DNS and no cache. authguard reads _dmarc.contoso.example through its
 *    warm dns::CachingResolver and parses the record each time.
 *  - OpenDMARC is handed the From domain (opendmarc_policy_store_from_domain);
 *    authguard parses the message's From header field (RFC 5322 address
 *    list, several From fields and several author domains detected).
 *  - authguard follows RFC 9989 (DMARCbis): its organizational domain comes
 *    from the DNS tree walk, so each evaluation also looks at
 *    _dmarc.example (a cached negative answer; _dmarc.contoso.example comes
 *    from the evaluation's memo of lookups). OpenDMARC 1.4 follows RFC 7489 and uses the public suffix
 *    list; here the DKIM d= and the SPF domain equal the From domain, and
 *    its alignment check returns on that exact match without consulting
 *    the list. The list is loaded once anyway, as its milter loads it.
 *  - authguard's verdict carries text for headers and reports (the reason,
 *    the tags that applied); OpenDMARC returns an int.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <opendmarc/dmarc.h>

/* The TXT text of _dmarc.contoso.example in examples/demo.zone; the script
 * passes the zone's current text as RECORD. */
#define DEFAULT_RECORD "v=DMARC1; p=reject; rua=mailto:dmarc@contoso.example"
#define DEFAULT_PSL "/usr/share/publicsuffix/public_suffix_list.dat"
#define CLIENT_IP "192.0.2.25" /* the first Received field's client */
#define DOMAIN "contoso.example"
#define SELECTOR "selector1"

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One evaluation; returns the policy to enforce, or -1 when a store call
 * failed (the setup is broken). With `aligned` set, reports whether both
 * DKIM and SPF were found aligned (checked once, before timing). */
static int evaluate(u_char *record, int *aligned) {
  int status = -1;
  DMARC_POLICY_T *ctx = opendmarc_policy_connect_init((u_char *)CLIENT_IP, 0);
  if (ctx == NULL) return -1;
  if (opendmarc_policy_store_from_domain(ctx, (u_char *)DOMAIN) != DMARC_PARSE_OKAY) goto out;
  if (opendmarc_policy_store_dmarc(ctx, record, (u_char *)DOMAIN, NULL) != DMARC_PARSE_OKAY) goto out;
  if (opendmarc_policy_store_spf(ctx, (u_char *)DOMAIN, DMARC_POLICY_SPF_OUTCOME_PASS,
                                 DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL) != DMARC_PARSE_OKAY)
    goto out;
  if (opendmarc_policy_store_dkim(ctx, (u_char *)DOMAIN, (u_char *)SELECTOR,
                                  DMARC_POLICY_DKIM_OUTCOME_PASS, NULL) != DMARC_PARSE_OKAY)
    goto out;
  status = opendmarc_get_policy_to_enforce(ctx);
  if (aligned != NULL) {
    int dkim = 0, spf = 0;
    opendmarc_policy_fetch_alignment(ctx, &dkim, &spf);
    *aligned = dkim == DMARC_POLICY_DKIM_ALIGNMENT_PASS && spf == DMARC_POLICY_SPF_ALIGNMENT_PASS;
  }
out:
  opendmarc_policy_connect_shutdown(ctx);
  return status;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 3.0;
  u_char *record = (u_char *)(argc > 2 ? argv[2] : DEFAULT_RECORD);
  const char *psl = argc > 3 ? argv[3] : DEFAULT_PSL;

  OPENDMARC_LIB_T lib;
  memset(&lib, 0, sizeof lib);
  lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
  if (strlen(psl) >= sizeof lib.tld_source_file) return 2;
  memcpy(lib.tld_source_file, psl, strlen(psl) + 1);
  if (opendmarc_policy_library_init(&lib) != DMARC_PARSE_OKAY) {
    fprintf(stderr, "opendmarc_bench: cannot load the public suffix list %s\n", psl);
    return 2;
  }
  int aligned = 0;
  int first = evaluate(record, &aligned);
  if (first != DMARC_POLICY_PASS || !aligned) {
    fprintf(stderr, "opendmarc_bench: policy %d (%s), aligned %d; not a pass with DKIM and SPF aligned:\n"
            "the setup is broken\n", first,
            opendmarc_policy_status_to_str(first), aligned);
    return 1;
  }

  long n = 0;
  int fails = 0;
  double start = cpu_seconds(), elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 1000; ++i) fails += evaluate(record, NULL) != DMARC_POLICY_PASS;
    n += 1000;
    elapsed = cpu_seconds() - start;
  }
  if (fails != 0) {
    fprintf(stderr, "opendmarc_bench: %d evaluations did not pass\n", fails);
    return 1;
  }
  printf("%.0f\n", (double)n / elapsed);
  opendmarc_policy_library_shutdown(&lib);
  return 0;
}
