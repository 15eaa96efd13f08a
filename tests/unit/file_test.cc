// base::WriteFileAtomically: the new text replaces the old in one step, keeps the file's permissions, and
// a failed write leaves nothing behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/file.h"

namespace fs = std::filesystem;

namespace {

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("lexgate_file_test_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  size_t Entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(path), fs::directory_iterator())); }
};

}  // namespace

TEST(WriteFileAtomically, CreatesAndReplacesWithoutLeavingTemporaries) {
  TempDir d;
  const fs::path f = d.path / "case.json";
  ASSERT_TRUE(lexgate::base::WriteFileAtomically(f.string(), "first\n"));
  EXPECT_EQ(Read(f), "first\n");
  ASSERT_TRUE(lexgate::base::WriteFileAtomically(f.string(), std::string(100000, 'x')));
  EXPECT_EQ(Read(f), std::string(100000, 'x'));
  EXPECT_EQ(d.Entries(), 1u);
}

TEST(WriteFileAtomically, KeepsTheReplacedFilesPermissions) {
  TempDir d;
  const fs::path f = d.path / "rules.gate";
  ASSERT_TRUE(lexgate::base::WriteFileAtomically(f.string(), "a"));
  fs::permissions(f, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  ASSERT_TRUE(lexgate::base::WriteFileAtomically(f.string(), "b"));
  EXPECT_EQ(fs::status(f).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST(WriteFileAtomically, NewFileIsReadableByOthersLessTheUmask) {
  TempDir d;
  const fs::path f = d.path / "new.json";
  mode_t old = ::umask(022);
  ASSERT_TRUE(lexgate::base::WriteFileAtomically(f.string(), "x"));
  ::umask(old);
  EXPECT_EQ(fs::status(f).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
}

TEST(WriteFileAtomically, FailureLeavesTheOldFileAndNoTemporary) {
  TempDir d;
  EXPECT_FALSE(lexgate::base::WriteFileAtomically((d.path / "no-such-dir" / "x.json").string(), "x"));
  EXPECT_EQ(d.Entries(), 0u);
  // The target is a directory: rename fails, the directory and its content stay.
  fs::create_directories(d.path / "taken" / "inner");
  EXPECT_FALSE(lexgate::base::WriteFileAtomically((d.path / "taken").string(), "x"));
  EXPECT_TRUE(fs::is_directory(d.path / "taken" / "inner"));
  EXPECT_EQ(d.Entries(), 1u);
}
