#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <vector>

namespace lexgate::base {

bool WriteFileAtomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  static std::atomic<unsigned> counter{0};
  fs::path p(path);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  // O_EXCL with a name no other writer uses; the mode is the usual one for a new file (the kernel applies
  // the umask — no umask() calls, which would race with other threads).
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 16; ++attempt) {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    tmp = (dir / ("." + p.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                  std::to_string(ts.tv_nsec)))
              .string();
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) return false;
  }
  if (fd < 0) return false;
  bool ok = true;
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (ok) ok = ::fsync(fd) == 0;
  std::error_code ec;
  auto st = fs::status(p, ec);
  if (ok && !ec && fs::exists(st)) ok = ::fchmod(fd, static_cast<mode_t>(st.permissions() & fs::perms::all)) == 0;  // a replaced file keeps its mode
  ok = ::close(fd) == 0 && ok;
  if (ok) ok = ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

}  // namespace lexgate::base
