// Reads a text file line by line, counting lines from 1. A trailing "\r" is
// removed, so CRLF files read like LF files. Not thread-safe; movable.
#pragma once

#include <cstddef>
#include <expected>
#include <fstream>
#include <memory>
#include <string>

#include "scoring/data/load_error.h"

namespace rr::scoring::data {

class LineReader {
 public:
  // LoadError (line 0) when `path` is missing, a directory or unreadable.
  static std::expected<LineReader, LoadError> open(const std::string& path);

  // The next line into `line`; false at the end of the file or on a read
  // error (then readFailed() is true).
  bool next(std::string& line);
  bool readFailed() const { return in_->bad(); }

  // 1-based number of the line last returned by next().
  std::size_t lineNumber() const { return line_number_; }
  const std::string& path() const { return path_; }

  // An error at the current line.
  LoadError error(std::string field, std::string message) const;

 private:
  LineReader(std::string path, std::unique_ptr<std::ifstream> in);

  std::string path_;
  std::unique_ptr<std::ifstream> in_;
  std::size_t line_number_ = 0;
};

}  // namespace rr::scoring::data
