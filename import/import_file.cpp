// read_import_file and parse_import_file: a saved output read whole, hashed, and handed to its parser.
#include <sys/stat.h>

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "common/errno_kind.hpp"
#include "import/parse.hpp"
#include "proctrail/import.hpp"

namespace proctrail {
namespace {

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) return "";
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace

Result<ImportFile> read_import_file(const std::string& path) {
  ImportFile file{.path = path};
  if (path == "-") {
    file.bytes.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return Error{path + ": " + std::strerror(errno), detail::errno_kind(errno)};
    if (S_ISDIR(info.st_mode)) return Error{path + ": is a directory"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": " + std::strerror(errno)};
    file.bytes.assign(std::istreambuf_iterator<char>(in), {});
    if (in.bad()) return Error{path + ": read error"};
    file.mtime_us = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000 + info.st_mtim.tv_nsec / 1000;
  }
  file.sha256_hex = sha256_hex(file.bytes);
  if (file.sha256_hex.empty()) return Error{path + ": hashing failed"};
  return file;
}

Result<ImportedTable> parse_import_file(const ImportFile& file, ImportFormat format, int64_t taken_at_us,
                                        int64_t utc_offset_s) {
  auto table = format == ImportFormat::lsof ? parse_lsof(file.bytes) : parse_ps(file.bytes, taken_at_us, utc_offset_s);
  if (!table) return table.error().within(file.path);
  return table;
}

}  // namespace proctrail
