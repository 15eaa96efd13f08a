/* lexgate C interface: the same engine as the C++ API (lexgate.hpp) behind opaque handles, JSON in and
 * JSON out, every allocation released by an explicit lexgate_*_free.
 *
 *   lexgate_engine* engine = NULL;
 *   char* diags = NULL;
 *   const char* dirs[] = {"/usr/local/share/lexgate/jurisdictions",
 *                         "/usr/local/share/lexgate/rulesets/schema.gate",
 *                         "/usr/local/share/lexgate/rulesets"};
 *   if (lexgate_engine_load_dirs(dirs, 3, &engine, &diags) != 0) { fputs(diags, stderr); ... }
 *   lexgate_string_free(diags);
 *   char* decision = NULL;
 *   int verdict = lexgate_check(engine, case_json, "{\"locale\":\"en\"}", &decision);
 *   ... lexgate_string_free(decision); lexgate_engine_free(engine);
 *
 * Which rules: the caller names them. The library does not guess the install prefix from the calling
 * program; the order above (jurisdictions, schema, rulesets) is the CLI's and gives byte-identical
 * output to `lexgate check CASE --format json`. Localised messages come from ICU bundles found through
 * $LEXGATE_I18N (set it to <prefix>/share/lexgate/i18n for an installed library) or the build tree.
 *
 * Thread-safety: a lexgate_engine is immutable once loaded. Any number of threads may call lexgate_check
 * on the same engine at the same time without locking. lexgate_engine_free must not race with calls
 * using that engine. All strings returned are owned by the caller and are freed with lexgate_string_free.
 * No C++ exception ever leaves these functions. */
#ifndef LEXGATE_LEXGATE_H_
#define LEXGATE_LEXGATE_H_

#include <stddef.h>

#if defined(__GNUC__)
#define LEXGATE_API __attribute__((visibility("default")))
#else
#define LEXGATE_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes, shared with the CLI's exit codes. */
enum {
  LEXGATE_PERMITTED = 0,
  LEXGATE_CONDITIONAL = 1,
  LEXGATE_PROHIBITED = 2,
  LEXGATE_INDETERMINATE = 3,
  LEXGATE_USAGE = 64,      /* a bad argument: NULL pointer, options_json not a valid options object */
  LEXGATE_BAD_CASE = 65,   /* the case JSON is not a valid case */
  LEXGATE_NOT_FOUND = 66,  /* a rules path cannot be read */
  LEXGATE_INTERNAL = 70,   /* internal error */
  LEXGATE_BAD_RULES = 78   /* the rules have errors */
};

typedef struct lexgate_engine lexgate_engine;

/* The library version, e.g. "0.1.0" (static storage, do not free). */
LEXGATE_API const char* lexgate_version(void);

/* Loads the *.gate files below each of dirs[0..n) (directories or single files). On success returns 0 and
 * sets *out. Otherwise returns LEXGATE_NOT_FOUND, LEXGATE_BAD_RULES, LEXGATE_USAGE or LEXGATE_INTERNAL and
 * sets *out to NULL. If diagnostics_json is not NULL, *diagnostics_json receives a JSON array of
 * {code, severity, file, line, column, message} — the rules' warnings on success, their errors on
 * failure; a failure without diagnostics gives one entry with code "not_found" or "internal" — to be
 * released with lexgate_string_free. */
LEXGATE_API int lexgate_engine_load_dirs(const char* const* dirs, size_t n, lexgate_engine** out,
                                         char** diagnostics_json);

/* Decides one case. case_json: one JSON object (a case, cases.md). options_json: NULL or
 * {"as_of": "YYYY-MM-DD", "locale": "en"} (both optional; locale defaults to "en").
 * Returns the verdict (0 permitted, 1 conditional, 2 prohibited, 3 indeterminate) and sets
 * *decision_json to the decision JSON, byte-identical to `lexgate check --format json`; or returns
 * LEXGATE_BAD_CASE / LEXGATE_USAGE / LEXGATE_INTERNAL and sets *decision_json to
 * {"error":{"code":N,"path":"$…","message":"…"}} ("path" only for a bad case). */
LEXGATE_API int lexgate_check(const lexgate_engine* engine, const char* case_json, const char* options_json,
                              char** decision_json);

/* The loaded rulesets as a JSON array (caller frees with lexgate_string_free); NULL on failure. */
LEXGATE_API char* lexgate_engine_rulesets_json(const lexgate_engine* engine);

/* Releases a string returned by this library. NULL is ignored. */
LEXGATE_API void lexgate_string_free(char* s);

/* Releases an engine. NULL is ignored. */
LEXGATE_API void lexgate_engine_free(lexgate_engine* engine);

#ifdef __cplusplus
}
#endif

#endif /* LEXGATE_LEXGATE_H_ */
