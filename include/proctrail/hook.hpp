#pragma once
// Hooks: the JSON payload a hook caller (Claude Code and the like) writes to our stdin, and the
// detached worker that lets the caller go before the snapshot is taken.
//
//   SnapshotRequest request{.trigger = "hook"};
//   if (auto payload = proctrail::read_hook_payload(STDIN_FILENO)) request.hook = *payload;
//   if (proctrail::detach_hook_worker() == proctrail::HookRole::caller) return 0;
//   ... the worker records `request` and exits ...
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "proctrail/model.hpp"

namespace proctrail {

inline constexpr size_t kMaxHookPayloadBytes = 8u << 20;

// Reads and parses the payload (HookPayload: model.hpp) on `fd` without ever stalling: nullopt when `fd` is a terminal, or
// closed with nothing written; otherwise what arrives before EOF, kMaxHookPayloadBytes or `deadline`,
// whichever comes first (a caller that keeps the pipe open without writing must not hold us). Never
// throws: a payload that is too large, not a JSON object, or not ended by EOF within the deadline
// (late, or a caller that never closes) has `error` set and no fields, so the snapshot says so;
// fields that are absent or not strings are nullopt.
std::optional<HookPayload> read_hook_payload(int fd, std::chrono::milliseconds deadline = std::chrono::milliseconds(1000));

// The client a hook reports for: starting at `parent` (the hook's parent), the nearest ancestor
// whose comm is not a shell or a wrapper (sh, bash, env, timeout, ...), read from `proc_root`.
// nullopt when the chain ends at init or cannot be read. Call it before detach_hook_worker.
std::optional<ProcessKey> find_hook_client(pid_t parent, const std::filesystem::path& proc_root = "/proc");

enum class HookRole { caller, worker };

// Hands the rest of this process's work to a worker in a session of its own, with stdio on /dev/null,
// no other inherited descriptor and the lowest CPU priority, so the hook's caller (which may read our
// stdout to EOF) returns at once. Returns caller in this process (return promptly, and print nothing)
// and worker in the worker. The caller waits only for a short-lived middle process, so no zombie is
// left. If a fork fails, this process is the worker: a hook may be slow, never lost.
HookRole detach_hook_worker();

}  // namespace proctrail
