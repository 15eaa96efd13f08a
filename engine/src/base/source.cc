#include "base/source.h"

namespace lexgate {

std::string_view SourceFile::Line(uint32_t line) const {
  std::call_once(lines_once_, [this] {
    line_starts_.push_back(0);
    for (size_t pos = text.find('\n'); pos != std::string::npos; pos = text.find('\n', pos + 1))
      line_starts_.push_back(pos + 1);
  });
  if (line == 0) line = 1;
  if (line > line_starts_.size()) return {};
  size_t pos = line_starts_[line - 1];
  size_t end = text.find('\n', pos);
  if (end == std::string::npos) end = text.size();
  std::string_view v(text.data() + pos, end - pos);
  if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
  return v;
}

SourceManager::SourceManager() { files_.push_back(std::make_unique<SourceFile>()); }

uint32_t SourceManager::Add(std::string path, std::string text) {
  auto f = std::make_unique<SourceFile>();
  f->path = std::move(path);
  f->text = std::move(text);
  files_.push_back(std::move(f));
  return static_cast<uint32_t>(files_.size() - 1);
}

}  // namespace lexgate
