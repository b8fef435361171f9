#include "recorder/store/activity.hpp"

namespace proctrail::detail {

ActivityJudgement judge_activity(const ActivityCounters& before, const ActivityCounters& now, int64_t clock_ticks) {
  ActivityJudgement judgement;
  judgement.interval_s = static_cast<double>(now.at_us - before.at_us) / 1e6;
  judgement.ran = ran_since(ActivityBaseline{before.cpu_ticks, before.context_switches}, now.cpu_ticks, now.context_switches);
  judgement.io_known = before.io_syscalls.has_value() && now.io_syscalls.has_value();
  if (!judgement.ran) {
    judgement.activity = "idle";
    return judgement;
  }
  const double cpu_s = now.cpu_ticks >= before.cpu_ticks
                           ? static_cast<double>(now.cpu_ticks - before.cpu_ticks) / static_cast<double>(clock_ticks > 0 ? clock_ticks : 100)
                           : 0.0;
  if (judgement.interval_s > 0) judgement.cpu_percent = 100.0 * cpu_s / judgement.interval_s;
  const bool no_io = judgement.io_known && *now.io_syscalls == *before.io_syscalls;
  judgement.activity = no_io && judgement.cpu_percent >= kSpinningCpuPercent ? "spinning" : "active";
  return judgement;
}

}  // namespace proctrail::detail
