#pragma once

// A fresh directory per test (mkdtemp), removed with everything in it at the end.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace ka_test {

class temp_dir {
public:
  temp_dir() {
    auto base = (std::filesystem::temp_directory_path() / "ka_test_XXXXXX").string();
    if (!mkdtemp(base.data()))
      throw std::runtime_error("mkdtemp failed for " + base);
    path_ = base;
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const {
    return path_;
  }

  /// Writes `bytes` exactly (binary) to path()/name and returns that path.
  std::string write(const std::string& name, const std::string& bytes) const {
    auto file = path_ + "/" + name;
    std::ofstream out{file, std::ios::binary | std::ios::trunc};
    out << bytes;
    if (!out)
      throw std::runtime_error("cannot write " + file);
    return file;
  }

private:
  std::string path_;
};

} // namespace ka_test
