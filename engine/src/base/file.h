// Writing a file so that readers see either the old content or the new, never half of it: the text goes
// to a temporary file in the same directory, is flushed to disk (fsync), takes the permissions of the
// file it replaces, and is renamed over it. On any failure the temporary file is removed and the old
// file is left as it was.
#pragma once
#include <string>

namespace lexgate::base {

bool WriteFileAtomically(const std::string& path, const std::string& text);

}  // namespace lexgate::base
