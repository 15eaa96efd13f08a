#include "base/source.h"

namespace lexgate {

std::string_view SourceFile::Line(uint32_t line) const {
  size_t pos = 0;
  for (uint32_t l = 1; l < line; ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string::npos) return {};
    ++pos;
  }
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
