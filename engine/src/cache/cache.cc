// Cache keys, the cache directory and its entries (design in cache.h).
#include "cache/cache.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unicode/timezone.h>
#include <unicode/uversion.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <ctime>

#include "base/file.h"
#include "syntax/parse.h"

namespace lexgate::cache {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[4] = {'L', 'X', 'G', 'C'};
constexpr size_t kHeader = 4 + 4 + 32 + 8 + 32;  // magic, version, key, payload size, payload SHA-256
constexpr size_t kMaxEntryBytes = size_t{256} << 20;  // larger projects are not cached
// base::WriteFileAtomically names its temporary files ".<target>.tmp-<pid>-<n>-<ns>".
constexpr const char* kTempInfix = ".lgc.tmp-";

bool Sha256(std::string_view data, unsigned char out[32]) {
  unsigned int n = 0;
  return EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr) == 1 && n == 32;
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += kHex[p[i] >> 4], s += kHex[p[i] & 15];
  return s;
}

// 64 hex digits → 32 bytes.
bool KeyBytes(const std::string& key, unsigned char out[32]) {
  if (key.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    auto nib = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
    int hi = nib(key[2 * i]), lo = nib(key[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return true;
}

// The GNU build-id note of a loaded object (executable or shared library): the one that maps `addr`,
// or, when `library` is set, the first whose file name starts with it.
struct BuildIdSearch {
  uintptr_t addr = 0;
  std::string_view library;
  std::string id;
};

int FindBuildId(dl_phdr_info* info, size_t, void* data) {
  auto* s = static_cast<BuildIdSearch*>(data);
  bool mine = false;
  if (!s->library.empty()) {
    const std::string_view path = info->dlpi_name ? info->dlpi_name : "";
    const size_t slash = path.rfind('/');
    mine = path.substr(slash == std::string_view::npos ? 0 : slash + 1).starts_with(s->library);
  } else {
    for (int i = 0; i < info->dlpi_phnum; ++i) {
      const auto& ph = info->dlpi_phdr[i];
      uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
      if (ph.p_type == PT_LOAD && s->addr >= lo && s->addr < lo + ph.p_memsz) mine = true;
    }
  }
  if (!mine) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const size_t align = ph.p_align >= 8 ? 8 : 4;
    auto round = [align](size_t n) { return (n + align - 1) / align * align; };
    // Offsets into the segment, each checked against its size before it is read: a malformed last
    // note (its padding cut off) ends the walk rather than reading past the segment.
    const char* base = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const size_t size = ph.p_memsz;
    size_t at = 0;
    while (size - at >= sizeof(ElfW(Nhdr))) {
      ElfW(Nhdr) n;
      std::memcpy(&n, base + at, sizeof n);
      const size_t name = at + sizeof n;
      if (size - name < round(n.n_namesz)) break;
      const size_t desc = name + round(n.n_namesz);
      if (size - desc < n.n_descsz) break;
      if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && std::memcmp(base + name, "GNU", 4) == 0 && n.n_descsz > 0) {
        s->id = Hex(reinterpret_cast<const unsigned char*>(base + desc), n.n_descsz);
        return 1;
      }
      if (size - desc < round(n.n_descsz)) break;
      at = desc + round(n.n_descsz);
    }
  }
  return 1;
}

// The GNU build id of the loaded object (executable or shared library) that holds `addr`.
std::string BuildIdOf(const void* addr) {
  BuildIdSearch s{reinterpret_cast<uintptr_t>(addr), {}, {}};
  dl_iterate_phdr(FindBuildId, &s);
  return s.id;
}

}  // namespace

std::string LibraryBuildId(std::string_view file_name_prefix) {
  if (file_name_prefix.empty()) return {};
  BuildIdSearch s{0, file_name_prefix, {}};
  dl_iterate_phdr(FindBuildId, &s);
  return s.id;
}

namespace {

std::string BuildId() { return BuildIdOf(reinterpret_cast<const void*>(&FindBuildId)); }

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

bool ReadAll(const std::string& path, std::string& out) {
  Fd f{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st;
  if (f.fd < 0 || fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (st.st_size < static_cast<off_t>(kHeader) || static_cast<size_t>(st.st_size) > kMaxEntryBytes) return false;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = read(f.fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  char extra;
  return read(f.fd, &extra, 1) == 0;  // grew while we read: not what fstat promised
}

// Keeps the kMaxEntries newest entries; drops temporary files a dead writer left (older than an hour).
void Prune(const std::string& dir) {
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> entries;
  const auto now = fs::file_time_type::clock::now();
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    auto t = it->last_write_time(fec);
    if (fec) continue;
    std::string name = it->path().filename().string();
    if (name.front() == '.' && name.find(kTempInfix) != std::string::npos) {
      if (now - t > std::chrono::hours(1)) fs::remove(it->path(), fec);
    } else if (it->path().extension() == ".lgc") {
      entries.emplace_back(t, it->path());
    }
  }
  if (entries.size() <= kMaxEntries) return;
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kMaxEntries; i < entries.size(); ++i) fs::remove(entries[i].second, ec);
}

bool LookupOrThrow(const std::string& dir, const std::string& key, Hit& out);
void StoreOrThrow(const std::string& dir, const std::string& key, const check::Project& p,
                  const std::vector<diag::Diagnostic>& diags);

}  // namespace

KeyBuilder::KeyBuilder() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ && EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    ctx_ = nullptr;
  }
}

KeyBuilder::~KeyBuilder() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void KeyBuilder::Add(std::string_view part) {
  if (!ctx_) return;
  auto* c = static_cast<EVP_MD_CTX*>(ctx_);
  uint64_t n = part.size();
  if (EVP_DigestUpdate(c, &n, sizeof n) != 1 || EVP_DigestUpdate(c, part.data(), part.size()) != 1) {
    EVP_MD_CTX_free(c);
    ctx_ = nullptr;
  }
}

std::string KeyBuilder::Finish() {
  if (!ctx_) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  bool ok = EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n) == 1 && n == 32;
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
  ctx_ = nullptr;
  return ok ? Hex(md, n) : std::string();
}

const std::string& ToolFingerprint() {
  static const std::string fp = [] {
    std::string id = BuildId();
    if (id.empty()) return std::string();
    UVersionInfo v;
    char icu[U_MAX_VERSION_STRING_LENGTH] = {};
    u_getVersion(v);
    u_versionToString(v, icu);
    UErrorCode st = U_ZERO_ERROR;
    const char* tz = icu::TimeZone::getTZDataVersion(st);
    // The ANTLR runtime is a shared library that can be upgraded under the same lexgate binary, and the
    // parse (so the cached project) depends on it: its version and its library's build id are in the key.
    // The library is found by its file name: the address of one of its symbols can be the executable's
    // (a copy relocation, when code that takes it is not compiled -fPIC). Linked statically, it is part
    // of the executable, whose id is the anchor's.
    std::string antlr_id = LibraryBuildId("libantlr4-runtime");
    if (antlr_id.empty()) antlr_id = BuildIdOf(syntax::ParserRuntimeAnchor());
    const std::string antlr = syntax::ParserRuntimeVersion() + "/" + antlr_id;
    return "lexgate-cache " + std::to_string(kFormatVersion) + " lexgate " LEXGATE_VERSION_STRING " build " + id +
           " icu " + icu + " tz " + (U_SUCCESS(st) && tz ? tz : "?") + " antlr4 " + antlr;
  }();
  return fp;
}

std::string DefaultDir() {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  std::string off = env("LEXGATE_NO_CACHE");
  if (!off.empty() && off != "0") return {};
  if (std::string d = env("LEXGATE_CACHE_DIR"); !d.empty()) return d;
  if (std::string x = env("XDG_CACHE_HOME"); !x.empty() && x[0] == '/') return x + "/lexgate";
  if (std::string h = env("HOME"); !h.empty()) return h + "/.cache/lexgate";
  return {};
}

std::string EntryPath(const std::string& dir, const std::string& key) { return dir + "/" + key + ".lgc"; }

bool Lookup(const std::string& dir, const std::string& key, Hit& out) {
  try {
    return LookupOrThrow(dir, key, out);
  } catch (...) {  // out of memory decoding: a miss, the rules are parsed
    out = Hit();
    return false;
  }
}

void Store(const std::string& dir, const std::string& key, const check::Project& p,
           const std::vector<diag::Diagnostic>& diags) {
  try {
    StoreOrThrow(dir, key, p, diags);
  } catch (...) {  // out of memory encoding, a file system error: no entry, the load stands
  }
}

namespace {

bool LookupOrThrow(const std::string& dir, const std::string& key, Hit& out) {
  unsigned char want[32];
  if (dir.empty() || !KeyBytes(key, want)) return false;
  const std::string path = EntryPath(dir, key);
  std::string bytes;
  if (!ReadAll(path, bytes)) return false;
  const char* p = bytes.data();
  uint32_t version;
  uint64_t size;
  std::memcpy(&version, p + 4, 4);
  std::memcpy(&size, p + 40, 8);
  if (std::memcmp(p, kMagic, 4) != 0 || version != kFormatVersion || std::memcmp(p + 8, want, 32) != 0 ||
      size != bytes.size() - kHeader)
    return false;
  std::string_view payload(p + kHeader, bytes.size() - kHeader);
  unsigned char sum[32];
  if (!Sha256(payload, sum) || std::memcmp(sum, p + 48, 32) != 0) return false;
  auto project = std::make_shared<check::Project>();
  if (!DecodeProject(payload, *project, out.diagnostics)) return false;
  out.project = std::move(project);
  utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // most recently used (a read-only directory: no matter)
  return true;
}

void StoreOrThrow(const std::string& dir, const std::string& key, const check::Project& p,
                  const std::vector<diag::Diagnostic>& diags) {
  unsigned char k[32], sum[32];
  if (dir.empty() || !KeyBytes(key, k)) return;
  std::string payload;
  if (!EncodeProject(p, diags, payload) || payload.size() > kMaxEntryBytes - kHeader || !Sha256(payload, sum)) return;
  std::string head(kMagic, 4);
  uint32_t version = kFormatVersion;
  uint64_t size = payload.size();
  head.append(reinterpret_cast<const char*>(&version), 4);
  head.append(reinterpret_cast<const char*>(k), 32);
  head.append(reinterpret_cast<const char*>(&size), 8);
  head.append(reinterpret_cast<const char*>(sum), 32);

  std::error_code ec;
  fs::create_directories(dir, ec);
  head += payload;
  if (!base::WriteFileAtomically(EntryPath(dir, key), head)) return;
  Prune(dir);
}

}  // namespace

}  // namespace lexgate::cache
