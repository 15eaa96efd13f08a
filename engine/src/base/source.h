// Source files and spans. A Span is a byte range in one file plus the 1-based line and column of its
// start (columns count Unicode code points, so carets line up under CJK text). Spans are plain values.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lexgate {

struct Span {
  uint32_t file = 0;   // index into SourceManager; 0 = no file
  uint32_t begin = 0;  // byte offsets
  uint32_t end = 0;
  uint32_t line = 0;   // 1-based
  uint32_t col = 0;    // 1-based, in code points
  bool valid() const { return line != 0; }
};

struct SourceFile {
  std::string path;
  std::string text;
  // Returns the text of 1-based line `line`, without its newline.
  std::string_view Line(uint32_t line) const;

 private:
  // Where each line starts, computed on the first Line() call (thread-safe): rendering one diagnostic
  // per line of a 10^5-line file must not rescan the file each time.
  mutable std::once_flag lines_once_;
  mutable std::vector<size_t> line_starts_;
};

// Owns the text of every file read in one run; index 0 is reserved for "no file".
class SourceManager {
 public:
  SourceManager();
  uint32_t Add(std::string path, std::string text);
  const SourceFile& Get(uint32_t id) const { return *files_[id]; }
  size_t size() const { return files_.size(); }

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace lexgate
