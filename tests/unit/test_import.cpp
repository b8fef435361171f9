// parse_ps and parse_lsof on literal text laid out exactly as procps and macOS print it.
#include <gtest/gtest.h>

#include <limits>

#include "import/parse.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/import.hpp"

namespace proctrail {
namespace {

int64_t utc(const char* text) { return *parse_time_bound(text, 0); }

const int64_t kTakenAt = utc("2026-11-24T15:00:00Z");  // a Tuesday

const ImportedProcess& by_pid(const ImportedTable& table, pid_t pid) {
  for (const auto& process : table.processes) {
    if (process.pid == pid) return process;
  }
  throw std::runtime_error("no pid " + std::to_string(pid));
}

TEST(ImportPs, ProcpsAuxKeepsEveryColumnAndTheCommandWithItsSpaces) {
  auto table = parse_ps(
      "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
      "root           1  0.0  0.1 167744 11788 ?        Ss   Nov20   0:09 /sbin/init splash\n"
      "www-data    1234  0.3  1.2 812340 98765 ?        Sl   14:03 101:23 node /srv/app/server.js --name  two  spaces\n"
      "alice       4321  0.0  0.0   7236  3456 pts/0    R+   16:30   0:00 ps aux\n"
      "root        1500  0.0  0.0   1234   567 ?        S     2025   0:00 /usr/sbin/cron -f\n",
      kTakenAt);
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->format, "ps aux (procps)");
  ASSERT_EQ(table->processes.size(), 4u);
  EXPECT_TRUE(table->skipped.empty());
  const auto& node = by_pid(*table, 1234);
  EXPECT_EQ(node.user, "www-data");
  EXPECT_FALSE(node.uid);
  EXPECT_FALSE(node.ppid);
  EXPECT_EQ(node.vsz_kb, 812340);
  EXPECT_EQ(node.rss_kb, 98765);
  EXPECT_EQ(node.state, "S");
  EXPECT_EQ(node.cpu_ticks, (101 * 60 + 23) * 100);
  EXPECT_EQ(node.command, "node /srv/app/server.js --name  two  spaces");
  EXPECT_EQ(node.start_time_us, utc("2026-11-24T14:03:00Z"));
  EXPECT_EQ(node.start_precision_s, 60);
  EXPECT_FALSE(node.comm);
  // "16:30" printed at 15:00 is yesterday's (ps prints HH:MM for the last 24 hours).
  EXPECT_EQ(by_pid(*table, 4321).start_time_us, utc("2026-11-23T16:30:00Z"));
  EXPECT_EQ(by_pid(*table, 1).start_time_us, utc("2026-11-20T00:00:00Z"));
  EXPECT_EQ(by_pid(*table, 1).start_precision_s, 86400);
  EXPECT_EQ(by_pid(*table, 1500).start_time_us, utc("2025-01-01T00:00:00Z"));
  EXPECT_EQ(by_pid(*table, 1500).start_precision_s, 365 * 86400);
}

TEST(ImportPs, MacosAuxReadsTwelveHourTimesWeekdaysAndDayMonthYear) {
  auto table = parse_ps(
      "USER               PID  %CPU %MEM      VSZ    RSS   TT  STAT STARTED      TIME COMMAND\n"
      "alice            12345   0.0  0.4 409213456  65536   ??  S     2:03PM   0:01.23 /usr/local/bin/node /Users/alice/srv/server.js\n"
      "root                 1   0.0  0.1 408496432  12345   ??  Ss   20Nov25  12:34.56 /sbin/launchd\n"
      "alice              777   0.1  0.2 408000000  32100 s000  S    Thu02PM   0:00.10 -zsh\n"
      "alice              778   0.0  0.0 408000000   1000 s000  S    12:15AM   0:00.01 sleep 100\n",
      kTakenAt);
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->format, "ps aux (macOS)");
  ASSERT_EQ(table->processes.size(), 4u);
  EXPECT_EQ(by_pid(*table, 12345).start_time_us, utc("2026-11-24T14:03:00Z"));
  EXPECT_EQ(by_pid(*table, 12345).cpu_ticks, 123);
  EXPECT_EQ(by_pid(*table, 1).start_time_us, utc("2025-11-20T00:00:00Z"));
  EXPECT_EQ(by_pid(*table, 1).start_precision_s, 86400);
  EXPECT_EQ(by_pid(*table, 1).cpu_ticks, (12 * 60 + 34) * 100 + 56);
  EXPECT_EQ(by_pid(*table, 777).start_time_us, utc("2026-11-19T14:00:00Z"));
  EXPECT_EQ(by_pid(*table, 777).start_precision_s, 3600);
  EXPECT_EQ(by_pid(*table, 778).start_time_us, utc("2026-11-24T00:15:00Z"));
  EXPECT_EQ(by_pid(*table, 777).command, "-zsh");
}

TEST(ImportPs, ProcpsEfKeepsNamesUnderUidAndMacosEfKeepsNumbers) {
  auto procps = parse_ps(
      "UID          PID    PPID  C STIME TTY          TIME CMD\n"
      "root           1       0  0 Nov20 ?        00:00:09 /sbin/init\n"
      "alice       4321    4000  0 14:03 pts/0    1-02:03:04 vim notes with spaces.txt\n",
      kTakenAt);
  ASSERT_TRUE(procps) << procps.error().message;
  EXPECT_EQ(procps->format, "ps -ef");
  const auto& vim = by_pid(*procps, 4321);
  EXPECT_EQ(vim.user, "alice");
  EXPECT_FALSE(vim.uid);
  EXPECT_EQ(vim.ppid, 4000);
  EXPECT_EQ(vim.cpu_ticks, ((86400 + 2 * 3600 + 3 * 60 + 4) * 100));
  EXPECT_EQ(vim.command, "vim notes with spaces.txt");
  EXPECT_FALSE(vim.rss_kb);

  auto macos = parse_ps(
      "  UID   PID  PPID   C STIME   TTY           TIME CMD\n"
      "    0     1     0   0 20Nov25 ??        12:34.56 /sbin/launchd\n"
      "  501 12345     1   0  2:03PM ??         0:01.23 /usr/local/bin/node server.js\n",
      kTakenAt);
  ASSERT_TRUE(macos) << macos.error().message;
  EXPECT_EQ(by_pid(*macos, 12345).uid, 501u);
  EXPECT_FALSE(by_pid(*macos, 12345).user);
  EXPECT_EQ(by_pid(*macos, 12345).start_time_us, utc("2026-11-24T14:03:00Z"));
}

TEST(ImportPs, LstartSpansFiveTokensAndEtimeGivesAnExactStart) {
  auto table = parse_ps(
      "    PID    PPID USER                      STARTED     ELAPSED   RSS    VSZ STAT COMMAND\n"
      "      1       0 root     Tue Nov 24 09:12:01 2026    05:47:59 11788 167744 Ss   /sbin/init\n"
      "    900       1 alice    Mon Nov  2 08:00:00 2026 22-07:00:00  2048  10000 S    sleep  infinity\n",
      kTakenAt);
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->format, "ps -eo pid,ppid,user,started,elapsed,rss,vsz,stat,command");
  EXPECT_EQ(by_pid(*table, 1).start_time_us, utc("2026-11-24T09:12:01Z"));
  EXPECT_EQ(by_pid(*table, 1).start_precision_s, 1);
  EXPECT_EQ(by_pid(*table, 900).start_time_us, utc("2026-11-02T08:00:00Z"));
  EXPECT_EQ(by_pid(*table, 900).command, "sleep  infinity");

  auto elapsed_only = parse_ps("  PID     ELAPSED CMD\n   42 1-00:00:30 sleep 1\n   43       00:05 true\n", kTakenAt);
  ASSERT_TRUE(elapsed_only) << elapsed_only.error().message;
  EXPECT_EQ(by_pid(*elapsed_only, 42).start_time_us, utc("2026-11-23T14:59:30Z"));
  EXPECT_EQ(by_pid(*elapsed_only, 43).start_time_us, utc("2026-11-24T14:59:55Z"));
  EXPECT_EQ(by_pid(*elapsed_only, 43).start_precision_s, 1);
}

// Bug (found by fuzz_import_ps): an lstart year or an elapsed time of absurd size overflowed the
// µs arithmetic (undefined behaviour); such a line is now skipped as a bad value.
TEST(ImportPs, AbsurdYearsAndElapsedTimesAreSkippedNotOverflowed) {
  auto table = parse_ps(
      "  PID                  STARTED     ELAPSED CMD\n"
      "    1 Tue Nov 24 02:51:48 202632768       00:05 a\n"
      "    2 Tue Nov 24 02:51:48 2026 99999999999-00:00:00 b\n"
      "    3 Tue Nov 24 02:51:48 2026 00:99999999999999 c\n"
      "    4 Tue Nov 24 02:51:48 2026       00:05 d\n",
      kTakenAt);
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->processes.size(), 1u);
  EXPECT_EQ(table->processes[0].pid, 4);
  ASSERT_EQ(table->skipped.size(), 3u);
  EXPECT_NE(table->skipped[0].reason.find("STARTED"), std::string::npos) << table->skipped[0].reason;
  EXPECT_NE(table->skipped[1].reason.find("ELAPSED"), std::string::npos) << table->skipped[1].reason;
}

// Imports read every ps time as UTC: a file captured on a laptop at UTC+01:00 put each lstart start
// an hour late, and a clock-only START near midnight on the wrong day.
TEST(ImportPs, LocalTimesOfAMachineEastOfUtcWereReadAsUtc) {
  const std::string text =
      "  PID                  STARTED CMD\n"
      "    1 Tue Nov 24 09:12:01 2026 /sbin/init\n"
      "    2 Tue Nov 24 15:40:00 2026 late\n";
  auto at_utc = parse_ps(text, kTakenAt);
  auto in_paris = parse_ps(text, kTakenAt, 3600);
  ASSERT_TRUE(at_utc && in_paris);
  EXPECT_EQ(by_pid(*at_utc, 1).start_time_us, utc("2026-11-24T09:12:01Z"));
  EXPECT_EQ(by_pid(*in_paris, 1).start_time_us, utc("2026-11-24T08:12:01Z"));
  EXPECT_EQ(by_pid(*in_paris, 2).start_time_us, utc("2026-11-24T14:40:00Z"));
  // A clock-only START is the latest such time at or before the capture, in the capture's clock:
  // 15:40 local is 14:40 UTC, before the 15:00 capture, so today; read as UTC it was yesterday.
  auto clock_only = parse_ps("  PID START CMD\n    2 15:40 late\n", kTakenAt, 3600);
  ASSERT_TRUE(clock_only);
  EXPECT_EQ(by_pid(*clock_only, 2).start_time_us, utc("2026-11-24T14:40:00Z"));
  auto clock_only_at_utc = parse_ps("  PID START CMD\n    2 15:40 late\n", kTakenAt);
  ASSERT_TRUE(clock_only_at_utc);
  EXPECT_EQ(by_pid(*clock_only_at_utc, 2).start_time_us, utc("2026-11-23T15:40:00Z"));
  // An elapsed time is the same span in every zone.
  auto elapsed = parse_ps("  PID ELAPSED CMD\n    3   00:05 x\n", kTakenAt, -5 * 3600);
  ASSERT_TRUE(elapsed);
  EXPECT_EQ(by_pid(*elapsed, 3).start_time_us, utc("2026-11-24T14:59:55Z"));
  EXPECT_FALSE(parse_ps(text, kTakenAt, 19 * 3600));
}

int64_t offset_or_none(const char* text) {
  auto offset = parse_utc_offset(text);
  return offset ? *offset : std::numeric_limits<int64_t>::min();
}

TEST(ImportPs, UtcOffsetsReadAndPrintInTheIsoForms) {
  EXPECT_EQ(offset_or_none("+01:00"), 3600);
  EXPECT_EQ(offset_or_none("-05:30"), -(5 * 3600 + 30 * 60));
  EXPECT_EQ(offset_or_none("+0545"), 5 * 3600 + 45 * 60);
  EXPECT_EQ(offset_or_none("+09"), 9 * 3600);
  EXPECT_EQ(offset_or_none("Z"), 0);
  EXPECT_EQ(offset_or_none("UTC"), 0);
  for (const char* bad : {"", "1", "+1", "01:00", "+01:60", "+19:00", "+1:00", "+01:0x", "+01:000", "CET"}) {
    auto offset = parse_utc_offset(bad);
    EXPECT_FALSE(offset) << bad;
    if (!offset) {
      EXPECT_NE(offset.error().message.find(bad), std::string::npos) << offset.error().message;
    }
  }
  EXPECT_EQ(format_utc_offset(3600), "+01:00");
  EXPECT_EQ(format_utc_offset(-(5 * 3600 + 30 * 60)), "-05:30");
  EXPECT_EQ(format_utc_offset(0), "+00:00");
}

TEST(ImportPs, ProcpsStartColumnWithAMonthAndDaySpansTwoTokens) {
  auto table = parse_ps("    PID  STARTED CMD\n      1   Nov 20 /sbin/init\n     77 14:03:09 bash\n", kTakenAt);
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(by_pid(*table, 1).start_time_us, utc("2026-11-20T00:00:00Z"));
  EXPECT_EQ(by_pid(*table, 1).command, "/sbin/init");
  EXPECT_EQ(by_pid(*table, 77).start_time_us, utc("2026-11-24T14:03:09Z"));
  EXPECT_EQ(by_pid(*table, 77).start_precision_s, 1);
}

TEST(ImportPs, GarbageLinesAreSkippedWithTheirLineNumbers) {
  auto table = parse_ps(
      "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
      "root           1  0.0  0.1 167744 11788 ?        Ss   Nov20   0:09 /sbin/init\n"
      "\n"
      "ps: warning: bad things happened\n"
      "root         abc  0.0  0.1 167744 11788 ?        Ss   Nov20   0:09 /bin/x\n"
      "root           7  0.0\n"
      "root           1  0.0  0.1 167744 11788 ?        Ss   Nov20   0:09 /sbin/init\n"
      "root           8  0.0  0.1   many 11788 ?        Ss   Nov20   0:09 /bin/y\n"
      "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
      "root           9  0.0  0.1     10    20 ?        Ss   Nov20   0:09 /bin/z\n",
      kTakenAt);
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->processes.size(), 2u);
  EXPECT_EQ(table->lines_read, 8);
  EXPECT_EQ(table->lines_taken, 2);
  ASSERT_EQ(table->skipped.size(), 6u);
  EXPECT_EQ(table->skipped[0].line_number, 4);
  EXPECT_EQ(table->skipped[1].line_number, 5);
  EXPECT_EQ(table->skipped[1].reason, "PID is not a number: 'abc'");
  EXPECT_EQ(table->skipped[2].line_number, 6);
  EXPECT_EQ(table->skipped[2].reason, "too few fields (no %MEM)");
  EXPECT_EQ(table->skipped[3].reason, "pid 1 listed twice");
  EXPECT_EQ(table->skipped[4].reason, "VSZ is not a valid value: 'many'");
  EXPECT_EQ(table->skipped[5].line_number, 9);
}

TEST(ImportPs, ArgvLongerThanFourKilobytesIsKeptWhole) {
  const std::string argv = "java -cp " + std::string(6000, 'x') + " Main";
  auto table = parse_ps("  PID   RSS ARGS\n  123  4096 " + argv + "\r\n", kTakenAt);
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->processes.size(), 1u);
  EXPECT_EQ(table->processes[0].command, argv);
  auto bad = parse_ps("  PID   RSS ARGS\n  12x  4096 " + argv + "\n", kTakenAt);
  ASSERT_TRUE(bad);
  ASSERT_EQ(bad->skipped.size(), 1u);
  EXPECT_EQ(bad->skipped[0].text.size(), kSkippedTextMax);
}

TEST(ImportPs, AHeaderWithoutPidIsNotPsOutput) {
  auto table = parse_ps("total 12\ndrwxr-xr-x 2 root root 4096 Nov 24 09:12 .\n", kTakenAt);
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().message, "not ps output (no PID column in the header line)");
  EXPECT_FALSE(parse_ps("\n\n", kTakenAt));
}

TEST(ImportPs, UnknownColumnsAreNamedInTheFormatAndIgnored) {
  auto table = parse_ps("  PID WCHAN  FOO COMM\n    1 -      bar systemd\n", kTakenAt);
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->format, "ps -eo pid,wchan,foo,comm (ignored: FOO)");
  EXPECT_EQ(table->processes[0].comm, "systemd");
  EXPECT_FALSE(table->processes[0].command);
}

const char* const kLinuxLsof =
    "p20007\ng20005\nR20005\ncpython3\nu0\nLroot\n"
    "fcwd\na \nl \ntDIR\nD0xfe00\ns4096\ni247066\nk45\nn/tmp\n"
    "ftxt\na \nl \ntREG\nD0xfe00\ns17584\ni18624\nk1\nn/usr/bin/python3.11\n"
    "fmem\na \nl \ntREG\nD0xfe00\ns1926232\ni332835\nk2\nn/usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "f0\nar\nl \ntCHR\nG0x8000;0x0\nD0x6\no0t0\ni3\nk1\nn/dev/null\n"
    "f3\nau\nl \ntIPv4\nG0x80002;0x0\nd8349928\no0t0\nPTCP\nn127.0.0.1:46139\nTST=LISTEN\nTQR=0\nTQS=0\n"
    "f4\nau\nl \ntIPv4\nG0x80002;0x0\nd8349929\no0t0\nPTCP\nn127.0.0.1:39900->127.0.0.1:46139\nTST=ESTABLISHED\n"
    "f5\nau\nl \ntIPv6\nd8349940\nPUDP\nn[::1]:5353\n"
    "f6\nar\nl \ntFIFO\nG0x80000;0x0\nD0xf\no0t0\ni8349931\nk1\nnpipe\n"
    "f7\naw\nl \ntFIFO\nG0x80001;0x0\nD0xf\no0t0\ni8349931\nk1\nnpipe\n"
    "f8\nau\nl \ntunix\nG0x80002;0x0\nd0x00000000ccf75d02\no0t0\ni8349932\nn/run/app.sock type=STREAM ->INO=8349933 4,x,9u\nTST=CONNECTED\n"
    "p20010\ng20010\nR1\ncsleep\nu1000\nLalice\n"
    "f0\nar\ntFIFO\nD0xf\ni8349931\nnpipe\n";

TEST(ImportLsof, LinuxFieldsBecomeProcessesDescriptorsAndSockets) {
  auto table = parse_lsof(kLinuxLsof);
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->format, "lsof -F");
  ASSERT_EQ(table->processes.size(), 2u);
  EXPECT_TRUE(table->skipped.empty());
  const auto& python = table->processes[0];
  EXPECT_EQ(python.pid, 20007);
  EXPECT_EQ(python.ppid, 20005);
  EXPECT_EQ(python.pgid, 20005);
  EXPECT_EQ(python.uid, 0u);
  EXPECT_EQ(python.user, "root");
  EXPECT_EQ(python.comm, "python3");
  EXPECT_EQ(python.cwd, "/tmp");
  EXPECT_FALSE(python.command);
  EXPECT_FALSE(python.start_time_us);
  EXPECT_EQ(table->fds_not_numbered, 2);
  ASSERT_EQ(python.fds.size(), 7u);
  EXPECT_EQ(python.fds[0], (FdSample{0, "chr", 3, 6, "r", std::nullopt, "/dev/null"}));
  EXPECT_EQ(python.fds[1], (FdSample{3, "socket", 8349928, std::nullopt, "rw", std::nullopt, std::nullopt}));
  EXPECT_EQ(python.fds[4], (FdSample{6, "pipe", 8349931, 0xf, "r", std::nullopt, std::nullopt}));
  EXPECT_EQ(python.fds[5].mode, "w");
  EXPECT_EQ(table->processes[1].fds[0].inode, 8349931u);

  ASSERT_EQ(table->sockets.size(), 4u);
  const auto& listen = table->sockets[0];
  EXPECT_EQ(listen.family, "inet");
  EXPECT_EQ(listen.protocol, "tcp");
  EXPECT_EQ(listen.state, "LISTEN");
  EXPECT_EQ(listen.local_address, "127.0.0.1");
  EXPECT_EQ(listen.local_port, 46139);
  EXPECT_FALSE(listen.remote_port);
  EXPECT_EQ(table->sockets[1].remote_address, "127.0.0.1");
  EXPECT_EQ(table->sockets[1].remote_port, 46139);
  EXPECT_EQ(table->sockets[1].local_port, 39900);
  EXPECT_EQ(table->sockets[2].family, "inet6");
  EXPECT_EQ(table->sockets[2].local_address, "::1");
  EXPECT_EQ(table->sockets[2].state, "UNCONN");
  const auto& unix_socket = table->sockets[3];
  EXPECT_EQ(unix_socket.inode, 8349932u);
  EXPECT_EQ(unix_socket.path, "/run/app.sock");
  EXPECT_EQ(unix_socket.protocol, "stream");
  EXPECT_EQ(unix_socket.peer_inode, 8349933u);
  EXPECT_EQ(unix_socket.state, "ESTABLISHED");
}

TEST(ImportLsof, NulSeparatedFieldsReadLikeNewlineSeparatedOnes) {
  std::string nul = kLinuxLsof;
  for (char& c : nul) c = c == '\n' ? '\0' : c;
  auto newline = parse_lsof(kLinuxLsof);
  auto zero = parse_lsof(nul);
  ASSERT_TRUE(newline);
  ASSERT_TRUE(zero) << zero.error().message;
  ASSERT_EQ(zero->processes.size(), newline->processes.size());
  EXPECT_EQ(zero->processes[0].fds, newline->processes[0].fds);
  EXPECT_EQ(zero->sockets.size(), newline->sockets.size());
}

TEST(ImportLsof, MacosPipesAndSocketsWithoutInodesKeepTheirNames) {
  auto table = parse_lsof(
      "p501\ng501\nR1\ncnode\nu501\nLalice\n"
      "fcwd\na \nl \ntDIR\nD0x1000010\ns640\ni2\nn/Users/alice\n"
      "f3\nau\nl \ntIPv4\nd0x6e1f2b3c4d5e6f70\no0t0\nPTCP\nn*:3000\nTST=LISTEN\n"
      "f4\nar\nl \ntPIPE\nd0x1234abcd\ns16384\nn->0x5678ef01\n"
      "f5\nau\nl \ntunix\nd0x9abc\no0t0\nn/tmp/x.sock\n"
      "f6\naw\nl \ntKQUEUE\nd0x99\nncount=0, state=0xa\n");
  ASSERT_TRUE(table) << table.error().message;
  const auto& node = table->processes.at(0);
  EXPECT_EQ(node.cwd, "/Users/alice");
  ASSERT_EQ(node.fds.size(), 4u);
  EXPECT_EQ(node.fds[0].kind, "socket");
  EXPECT_FALSE(node.fds[0].inode);
  EXPECT_EQ(node.fds[0].target, "*:3000");
  EXPECT_EQ(node.fds[1].kind, "pipe");
  EXPECT_EQ(node.fds[1].target, "->0x5678ef01");
  EXPECT_EQ(node.fds[3].kind, "anon");
  EXPECT_TRUE(table->sockets.empty());
}

TEST(ImportLsof, MalformedFieldsAreSkippedWithTheirLineNumbers) {
  auto table = parse_lsof(
      "f9\n"                  // 1: before any process
      "pabc\n"                // 2: not a pid
      "ccat\n"                // 3: belongs to it
      "p10\n"                 // 4
      "Rxyz\n"                // 5: not a number
      "f1\naw\ntREG\niNaN\nn/tmp/log\n"  // 6-10: bad inode on line 9
      "p11\n"                 // 11
      "?what\n");             // 12: not a field letter
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->processes.size(), 2u);
  std::vector<int64_t> lines;
  for (const auto& skipped : table->skipped) lines.push_back(skipped.line_number);
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 3, 5, 9, 12}));
  EXPECT_EQ(table->skipped[1].reason, "p is not a pid: 'abc'");
  EXPECT_EQ(table->skipped[2].reason, "belongs to the skipped process on line 2");
  EXPECT_EQ(table->lines_read, 12);
  EXPECT_EQ(table->lines_taken, 6);
  EXPECT_EQ(table->processes[0].fds.size(), 1u);
}

// Issue 22: lsof lists a process again for every thread (p, then K with the task id, then the same
// files); each repeat was skipped line by line ("pid N listed twice", "belongs to the skipped
// process"), tens of thousands of lines for a busy machine. They are folded into the process.
TEST(ImportLsof, PerThreadRepeatsOfAProcessAreFoldedNotSkipped) {
  const std::string files = "f0\nar\ntCHR\nn/dev/null\nf1\naw\ntFIFO\ni4242\nnpipe\n";
  std::string text = "p500\ncnode\nR1\n" + files;
  for (int task = 501; task <= 503; ++task) text += "p500\nK" + std::to_string(task) + "\ncnode\nR1\n" + files;
  text += "p600\ncsleep\n" + files;
  auto table = parse_lsof(text);
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->processes.size(), 2u);
  EXPECT_TRUE(table->skipped.empty()) << table->skipped.front().reason;
  EXPECT_EQ(table->thread_repeats, 3);
  EXPECT_EQ(table->lines_taken, table->lines_read);
  EXPECT_EQ(table->processes[0].fds.size(), 2u) << "a thread's files are its process's, counted once";
  EXPECT_EQ(table->processes[1].fds.size(), 2u);
}

TEST(ImportLsof, TextWithoutAProcessFieldIsNotLsofOutput) {
  auto table = parse_lsof("USER PID COMMAND\nroot 1 init\n");
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().message, "not lsof -F output (no p field naming a process)");
}

}  // namespace
}  // namespace proctrail
