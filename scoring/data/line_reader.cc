#include "scoring/data/line_reader.h"

#include <filesystem>
#include <system_error>
#include <utility>

namespace rr::scoring::data {

std::expected<LineReader, LoadError> LineReader::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return std::unexpected(LoadError{.file = path, .message = "no such file"});
  }
  if (std::filesystem::is_directory(path, ec)) {
    return std::unexpected(LoadError{.file = path, .message = "is a directory, not a file"});
  }
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) return std::unexpected(LoadError{.file = path, .message = "cannot be opened"});
  return LineReader(path, std::move(in));
}

LineReader::LineReader(std::string path, std::unique_ptr<std::ifstream> in)
    : path_(std::move(path)), in_(std::move(in)) {}

bool LineReader::next(std::string& line) {
  if (!std::getline(*in_, line)) return false;
  ++line_number_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

LoadError LineReader::error(std::string field, std::string message) const {
  return LoadError{.file = path_,
                   .line = line_number_,
                   .field = std::move(field),
                   .message = std::move(message)};
}

}  // namespace rr::scoring::data
