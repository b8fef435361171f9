#pragma once
// The ErrorKind of a failed system call, from its errno.
#include <cerrno>

#include "proctrail/result.hpp"

namespace proctrail::detail {

constexpr ErrorKind errno_kind(int error) {
  switch (error) {
    case ENOENT:
    case ENOTDIR:
    case ESRCH: return ErrorKind::not_found;
    case EACCES:
    case EPERM:
    case EROFS: return ErrorKind::permission;
    case EBUSY:
    case ETXTBSY: return ErrorKind::busy;
    default: return ErrorKind::failed;
  }
}

}  // namespace proctrail::detail
