// The compiled-rules cache (issue 12): a shortcut from the rule files to the checked check::Project,
// so that a command deciding one case does not parse its ~45 files again on every run.
//
// Design. Parsing (ANTLR) and checking were ~80 % of a cold `lexgate check`; lowering and evaluating
// are cheap. So the cache stores the stage-2 output — the checked Project plus the diagnostics
// (warnings) that its load produced — and nothing later: ir::Lower still runs on every load, so the
// one-way flow parse → check → compile → evaluate is unchanged and the IR can change freely. The
// Project is written in a binary format of our own (project_codec.cc): little-endian integers,
// length-prefixed strings and lists, every read bounds-checked, enum values range-checked, nesting
// depth limited.
//
// Key. SHA-256 over the cache format version, the lexgate version, the build id of the running
// binary (its GNU build-id note, which the linker derives from the code, so a rebuilt checker never
// meets entries of an older one), the ICU version (the checker asks ICU about locales and zones), the
// load options, and every rule file in load order: its path and its bytes. The files are read anyway
// (their text is kept for diagnostics and the ruleset hashes), so computing the key costs one hash
// over ~300 KB. Any changed byte is a different key; nothing is ever "updated in place".
//
// Entry. One file `<hex key>.lgc` in the cache directory: magic, format version, the key again, the
// payload's length and SHA-256, then the payload. A file that is short, long, foreign, of another
// version, for another key or whose checksum does not match is ignored (the rules are parsed as usual
// and the entry rewritten) — a bad cache can cost time, never an answer. The directory is trusted as
// much as the rule files themselves (whoever can write it can write the rules); the checksum is
// against corruption, not against an attacker.
//
// Writing is atomic: a temporary file in the same directory, fsync, rename. A missing directory is
// created; one that cannot be created or written just means no cache. After each write the directory
// keeps the kMaxEntries most recently used entries (a hit refreshes an entry's time) and loses
// temporary files older than an hour (a writer that died).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "check/project.h"
#include "diag/diagnostic.h"

namespace lexgate::cache {

inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kMaxEntries = 16;

// Builds a cache key: each part is hashed with its length, so ("ab", "c") and ("a", "bc") differ.
class KeyBuilder {
 public:
  KeyBuilder();
  ~KeyBuilder();
  KeyBuilder(const KeyBuilder&) = delete;
  KeyBuilder& operator=(const KeyBuilder&) = delete;
  void Add(std::string_view part);
  std::string Finish();  // 64 hex digits; empty if hashing failed (then: no cache)

 private:
  void* ctx_;
};

// The part of the key that does not depend on the rules: format version, lexgate version, build id,
// ICU version. Empty when the build id cannot be found (then the cache is not used).
const std::string& ToolFingerprint();
// The GNU build id of the first loaded shared library whose file name starts with the prefix (e.g.
// "libantlr4-runtime"); empty when none is loaded or it has no build id.
std::string LibraryBuildId(std::string_view file_name_prefix);

// The payload: a project and its load's diagnostics as bytes, and back. Encode returns false (and
// nothing is cached) only for a project nested deeper than the decoder accepts. Decode returns false
// for anything but a complete, well-formed payload.
bool EncodeProject(const check::Project& p, const std::vector<diag::Diagnostic>& diags, std::string& out);
bool DecodeProject(std::string_view bytes, check::Project& p, std::vector<diag::Diagnostic>& diags);

// The cache directory: $LEXGATE_CACHE_DIR, else $XDG_CACHE_HOME/lexgate, else $HOME/.cache/lexgate.
// Empty when LEXGATE_NO_CACHE is set to anything but "" or "0", or no directory can be named.
std::string DefaultDir();

struct Hit {
  std::shared_ptr<const check::Project> project;
  std::vector<diag::Diagnostic> diagnostics;
};
// The entry for `key` in `dir`, if there is a valid one.
bool Lookup(const std::string& dir, const std::string& key, Hit& out);
// Writes the entry for `key` (atomically; silently nothing when the directory is not writable).
void Store(const std::string& dir, const std::string& key, const check::Project& p,
           const std::vector<diag::Diagnostic>& diags);
// The path of the entry for `key` (tests corrupt it on purpose).
std::string EntryPath(const std::string& dir, const std::string& key);

}  // namespace lexgate::cache
