/* Embedding lexgate from C: load the shipped rules once, decide one case, print the decision JSON.
 *
 *   usage: embed-c SHARE_DIR CASE.json [LOCALE]
 *   SHARE_DIR: the shipped data, e.g. /usr/local/share/lexgate (or the source tree)
 *
 * The output is byte-identical to `lexgate check CASE.json --format json --locale LOCALE`, and the exit
 * code is the same: 0-3 the verdict, 65 bad case, 66 not found, 78 bad rules, 70 internal. */
#include <lexgate/lexgate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* read_file(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, len = 0;
  char* buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += n;
    if (cap - len < 2) {
      char* bigger = realloc(buf, cap *= 2);
      if (!bigger) { free(buf); buf = NULL; }
      buf = bigger;
    }
  }
  fclose(f);
  if (buf) buf[len] = '\0';
  return buf;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s SHARE_DIR CASE.json [LOCALE]\n", argv[0]);
    return 64;
  }
  char dirs_buf[3][4096];
  snprintf(dirs_buf[0], sizeof dirs_buf[0], "%s/jurisdictions", argv[1]);
  snprintf(dirs_buf[1], sizeof dirs_buf[1], "%s/rulesets/schema.gate", argv[1]);
  snprintf(dirs_buf[2], sizeof dirs_buf[2], "%s/rulesets", argv[1]);
  const char* dirs[3] = {dirs_buf[0], dirs_buf[1], dirs_buf[2]};

  lexgate_engine* engine = NULL;
  char* diagnostics = NULL;
  int rc = lexgate_engine_load_dirs(dirs, 3, &engine, &diagnostics);
  if (rc != 0) {
    fprintf(stderr, "embed-c: cannot load the rules (%d):\n%s", rc, diagnostics ? diagnostics : "");
    lexgate_string_free(diagnostics);
    return rc;
  }
  lexgate_string_free(diagnostics);

  char* case_json = read_file(argv[2]);
  if (!case_json) {
    fprintf(stderr, "embed-c: cannot read '%s'\n", argv[2]);
    lexgate_engine_free(engine);
    return 66;
  }
  char options[256];
  snprintf(options, sizeof options, "{\"locale\": \"%s\"}", argc > 3 ? argv[3] : "en");
  char* decision = NULL;
  rc = lexgate_check(engine, case_json, options, &decision);
  if (rc <= 3) fputs(decision, stdout);
  else fprintf(stderr, "embed-c: %s", decision ? decision : "out of memory\n");
  lexgate_string_free(decision);
  free(case_json);
  lexgate_engine_free(engine);
  return rc;
}
