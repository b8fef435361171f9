#pragma once
// Whether a process ran, and how, over the interval between two snapshots that both saw it: the
// rule behind process_activity_changes (schema/015_verdicts.sql). Pure, so histories can be tested.
#include <cstdint>
#include <optional>
#include <string>

#include "proctrail/process.hpp"

namespace proctrail::detail {

// A process's counters at one snapshot.
struct ActivityCounters {
  uint64_t cpu_ticks = 0;                     // (14) utime + (15) stime
  std::optional<uint64_t> context_switches;   // status voluntary + nonvoluntary
  std::optional<uint64_t> io_syscalls;        // /proc/PID/io syscr + syscw
  int64_t at_us = 0;                          // wall clock of that snapshot
};

struct ActivityJudgement {
  std::string activity;     // idle, active or spinning
  double cpu_percent = 0;   // of one CPU over the interval
  double interval_s = 0;
  bool io_known = false;    // syscalls known at both ends
  bool ran = false;         // its counters moved: the recorder keeps the new ones
};

// Spinning: at least this share of one CPU over the interval, without one read or write syscall.
inline constexpr double kSpinningCpuPercent = 50.0;

ActivityJudgement judge_activity(const ActivityCounters& before, const ActivityCounters& now, int64_t clock_ticks);

}  // namespace proctrail::detail
