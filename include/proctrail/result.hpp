#pragma once
// Expected-style results: collectors and the store return a value or one clear message.
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace proctrail {

// What kind of failure an Error is. Callers decide on the kind (an exit code, "gone" for a container
// the daemon no longer knows, a quieter log line); the message is for people and may be reworded at
// any time, so no caller may branch on its text.
enum class ErrorKind {
  failed,        // none of the below: the default
  not_found,     // what was asked for is not there: a trail, a file, a snapshot, a pid, a container
  permission,    // the system refused access: a file's mode or owner, a read-only file, a capability
  busy,          // another holder kept a lock longer than we would wait
  corrupt,       // a file is not what it must be: truncated, not SQLite, another program's database,
                 // settings that are not JSON, input that is not ps or lsof output
  newer_schema,  // a trail written by a newer proctrail
  older_schema,  // a trail from an older proctrail, on a path that never writes (so never migrates)
  bad_input,     // the request itself is malformed: an option's value, a regex, an SQL statement
  unavailable,   // an optional source is not there to ask (no Docker socket)
};

// "not_found", "bad_input", …: for logs and JSON.
constexpr std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::failed: return "failed";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::permission: return "permission";
    case ErrorKind::busy: return "busy";
    case ErrorKind::corrupt: return "corrupt";
    case ErrorKind::newer_schema: return "newer_schema";
    case ErrorKind::older_schema: return "older_schema";
    case ErrorKind::bad_input: return "bad_input";
    case ErrorKind::unavailable: return "unavailable";
  }
  return "failed";
}

struct Error {
  std::string message;  // one line, starting with what was being done
  ErrorKind kind = ErrorKind::failed;

  // "DOING: message", of the same kind: for a caller that adds what it was doing.
  Error within(std::string_view doing) const { return Error{std::string(doing) + ": " + message, kind}; }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Result<void> stand-in.
struct Done {};
using Status = Result<Done>;
inline Status ok_status() { return Done{}; }

}  // namespace proctrail
