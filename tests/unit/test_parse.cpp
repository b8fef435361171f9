// Parsers on literal kernel text.
#include <gtest/gtest.h>

#include "proctrail/procfs.hpp"
#include "recorder/collect/procfs_parse.hpp"

namespace proctrail {
namespace {

// Read off this machine: cat /proc/self/stat
constexpr std::string_view kCatStat =
    "3002 (cat) R 3000 3000 1170 0 -1 4194304 96 0 0 0 0 0 0 0 20 0 1 0 73148 3133440 364 "
    "18446744073709551615 94762147790848 94762147810729 140733657930592 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 "
    "94762147826736 94762147828352 94762479316992 140733657934278 140733657934298 140733657934298 "
    "140733657935851 0\n";

TEST(ParseStat, ReadsTheFieldsOfARealLine) {
  auto stat = parse_stat(kCatStat);
  ASSERT_TRUE(stat) << stat.error().message;
  EXPECT_EQ(stat->pid, 3002);          // (1)
  EXPECT_EQ(stat->comm, "cat");        // (2)
  EXPECT_EQ(stat->state, 'R');         // (3)
  EXPECT_EQ(stat->ppid, 3000);         // (4)
  EXPECT_EQ(stat->pgrp, 3000);         // (5)
  EXPECT_EQ(stat->session, 1170);      // (6)
  EXPECT_EQ(stat->tty_nr, 0);          // (7)
  EXPECT_EQ(stat->flags, 4194304u);    // (9)
  EXPECT_EQ(stat->utime, 0u);          // (14)
  EXPECT_EQ(stat->num_threads, 1);     // (20)
  EXPECT_EQ(stat->starttime, 73148u);  // (22)
  EXPECT_EQ(stat->rss_pages, 364);     // (24)
}

TEST(ParseStat, KernelThreadHasPfKthread) {
  auto stat = parse_stat(
      "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 20 0 0 18446744073709551615 0 0 0 0 0 0 0 "
      "2147483647 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->comm, "kthreadd");
  EXPECT_NE(stat->flags & kPfKthread, 0u);
  EXPECT_EQ(stat->starttime, 20u);
}

// comm "(bash process" written by prctl: the first ')' is inside comm; split on the last.
TEST(ParseStat, CommWithParenthesesAndSpaceSplitsOnLastParen) {
  auto stat = parse_stat("4242 ((bash process) S 1 4242 4242 0 -1 4194304 0 0 0 0 5 6 0 0 20 0 3 0 777 0 12 0 0\n");
  ASSERT_TRUE(stat) << stat.error().message;
  EXPECT_EQ(stat->comm, "(bash process");
  EXPECT_EQ(stat->ppid, 1);
  EXPECT_EQ(stat->utime, 5u);
  EXPECT_EQ(stat->stime, 6u);
  EXPECT_EQ(stat->num_threads, 3);
  EXPECT_EQ(stat->starttime, 777u);
  EXPECT_EQ(stat->rss_pages, 12);
}

// comm ":-) 1 2 3 4 5 6" looks like fields; only the last ')' ends it.
TEST(ParseStat, CommThatLooksLikeFields) {
  auto stat = parse_stat("77 (:-) 1 2 3 4 5 6) S 5 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 7 0\n");
  ASSERT_TRUE(stat) << stat.error().message;
  EXPECT_EQ(stat->comm, ":-) 1 2 3 4 5 6");
  EXPECT_EQ(stat->ppid, 5);
  EXPECT_EQ(stat->starttime, 99u);
}

TEST(ParseStat, CommWithNewline) {
  auto stat = parse_stat("88 (two\nlines) S 1 88 88 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 123 0 1 0\n");
  ASSERT_TRUE(stat) << stat.error().message;
  EXPECT_EQ(stat->comm, "two\nlines");
  EXPECT_EQ(stat->starttime, 123u);
}

TEST(ParseStat, EmptyComm) {
  auto stat = parse_stat("89 () S 1 89 89 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 124 0 1 0\n");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->comm, "");
}

TEST(ParseStat, MalformedInputIsAnErrorNotACrash) {
  const char* bad[] = {
      "",
      "garbage",
      "12 (x",
      "12 x) S 1",
      "(x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22",  // no pid
      "12 (x) S 1 2 3",                                                  // truncated
      "12 (x) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 1 0",        // two-letter state
      "12 (x) S one 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 1 0",       // non-numeric ppid
      "12 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 0 1 0",        // negative starttime
      ")12 (x",                                                          // ')' before '('
  };
  for (const char* text : bad) {
    auto stat = parse_stat(text);
    EXPECT_FALSE(stat) << "accepted: " << text;
    if (!stat) { EXPECT_NE(stat.error().message.find("malformed stat"), std::string::npos); }
  }
}

TEST(ParseStatus, ReadsRealAndEffectiveUid) {
  auto ids = parse_status("Name:\tsudo\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
  ASSERT_TRUE(ids.uid);
  EXPECT_EQ(*ids.uid, 1000u);
  ASSERT_TRUE(ids.euid);
  EXPECT_EQ(*ids.euid, 0u);
}

TEST(ParseStatus, MissingUidLineLeavesFieldsUnknown) {
  auto ids = parse_status("Name:\tx\nUid:\tnope\n");
  EXPECT_FALSE(ids.uid);
  EXPECT_FALSE(parse_status("").uid);
}

TEST(ParseStatus, ReadsStateAndSumsBothSwitchCounts) {
  auto status = parse_status(
      "Name:\tsleep\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nThreads:\t1\n"
      "Cpus_allowed_list:\t0-1\nvoluntary_ctxt_switches:\t152\nnonvoluntary_ctxt_switches:\t7\n");
  EXPECT_EQ(status.state, 'S');
  ASSERT_TRUE(status.context_switches);
  EXPECT_EQ(*status.context_switches, 159u);
}

TEST(ParseStatus, OneSwitchCountAloneIsUnknown) {
  EXPECT_FALSE(parse_status("State:\tR (running)\nvoluntary_ctxt_switches:\t3\n").context_switches);
  EXPECT_FALSE(parse_status("voluntary_ctxt_switches:\tx\nnonvoluntary_ctxt_switches:\t1\n").context_switches);
}

TEST(ParseSchedstat, ReadsRunTimeAndRunCount) {
  auto stat = parse_schedstat("30244671 1038227 57\n");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->run_ns, 30244671u);
  EXPECT_EQ(stat->pcount, 57u);
  EXPECT_FALSE(parse_schedstat("30244671 1038227\n"));
  EXPECT_FALSE(parse_schedstat("x 1 2\n"));
}

TEST(ParseCmdline, SplitsOnNul) {
  using namespace std::string_literals;
  auto argv = parse_cmdline("node\0/srv/mcp-server/dist/index.js\0--port\0\0"s);
  ASSERT_EQ(argv.size(), 4u);
  EXPECT_EQ(argv[1], "/srv/mcp-server/dist/index.js");
  EXPECT_EQ(argv[3], "");
  EXPECT_TRUE(parse_cmdline("").empty());
  // setproctitle rewrites: no NULs at all, one argument
  auto title = parse_cmdline("nginx: worker process");
  ASSERT_EQ(title.size(), 1u);
  EXPECT_EQ(title[0], "nginx: worker process");
}

TEST(QuoteArgv, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(quote_argv({"node", "/srv/mcp-server/dist/index.js", "--port=3000"}),
            "node /srv/mcp-server/dist/index.js --port=3000");
  EXPECT_EQ(quote_argv({"sh", "-c", "echo hi; exit"}), "sh -c 'echo hi; exit'");
  EXPECT_EQ(quote_argv({"echo", "it's"}), "echo 'it'\\''s'");
  EXPECT_EQ(quote_argv({"x", ""}), "x ''");
}

TEST(ParseCgroup, PrefersTheV2Path) {
  EXPECT_EQ(parse_cgroup("0::/user.slice/user-1000.slice/session-2.scope\n"),
            "/user.slice/user-1000.slice/session-2.scope");
  // Hybrid, as on this machine: v1 hierarchies plus 0::
  EXPECT_EQ(parse_cgroup("9:name=systemd:/\n8:pids:/\n0::/docker/abc\n"), "/docker/abc");
  // Pure v1: the name=systemd path, else the first
  EXPECT_EQ(parse_cgroup("4:memory:/docker/x\n1:name=systemd:/docker/x\n"), "/docker/x");
  EXPECT_EQ(parse_cgroup("4:memory:/m\n3:cpu:/c\n"), "/m");
  // A path holding ':'
  EXPECT_EQ(parse_cgroup("0::/kubepods/pod:1\n"), "/kubepods/pod:1");
  EXPECT_FALSE(parse_cgroup(""));
  EXPECT_FALSE(parse_cgroup("garbage\n"));
}

TEST(ParseNsLink, ReadsTheInode) {
  EXPECT_EQ(parse_ns_link("pid:[4026531836]"), 4026531836u);
  EXPECT_FALSE(parse_ns_link("pid:[x]"));
  EXPECT_FALSE(parse_ns_link("pid:4026531836"));
  EXPECT_FALSE(parse_ns_link(""));
}

TEST(ParseBootTime, ReadsBtime) {
  auto btime = parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1795488708\nprocesses 9\n");
  ASSERT_TRUE(btime);
  EXPECT_EQ(*btime, 1795488708);
  EXPECT_FALSE(parse_boot_time("cpu 1\n"));
  EXPECT_FALSE(parse_boot_time("btime soon\n"));
}

}  // namespace
}  // namespace proctrail
