// Small file helpers shared by the unit tests.
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace lexgate::test {

// The whole file, bytes as they are ("" when it cannot be read).
inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace lexgate::test
