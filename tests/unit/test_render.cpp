// The table renderer as a reader meets it (issue 22): memory in MiB, a totals row, and rows cut to
// the terminal's width with an ellipsis; csv and json keep every cell whole, in kB.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "proctrail/query.hpp"

namespace proctrail {
namespace {

size_t longest_line(const std::string& text) {
  std::istringstream lines(text);
  size_t longest = 0;
  for (std::string line; std::getline(lines, line);) {
    size_t width = 0;
    for (unsigned char c : line) width += (c & 0xc0) != 0x80;
    longest = std::max(longest, width);
  }
  return longest;
}

const std::string kLongArgv =
    "node /home/dev/.npm/_npx/1f2e3d/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js /home/dev/project";

ResultTable servers() {
  return ResultTable{{"pid", "instances", "rss_kb", "argv"},
                     {{int64_t{101}, int64_t{3}, int64_t{2048}, kLongArgv},
                      {int64_t{102}, int64_t{2}, int64_t{1536}, std::string("sleep 100")}}};
}

TEST(TableLayout, MemoryIsShownInMibWithOneDecimalUnderAMibHeader) {
  const std::string text = render_table(servers());
  EXPECT_TRUE(text.starts_with("pid    instances  rss_mib  argv\n")) << text;
  EXPECT_NE(text.find("  2.0  "), std::string::npos) << text;
  EXPECT_NE(text.find("  1.5  "), std::string::npos) << text;
}

TEST(TableLayout, ATotalsRowAddsUpInstancesAndMemory) {
  const std::string text = render_table(servers());
  EXPECT_NE(text.find("\ntotal  5          3.5\n"), std::string::npos) << text;
  EXPECT_EQ(render_table(servers(), {.width = 0, .totals = false}).find("total"), std::string::npos);
  ResultTable one = servers();
  one.rows.pop_back();
  EXPECT_EQ(render_table(one).find("total"), std::string::npos) << "one row needs no total";
}

TEST(TableLayout, RowsFitTheWidthWithAnEllipsisInTheLongCell) {
  const std::string text = render_table(servers(), {.width = 60});
  EXPECT_LE(longest_line(text), 60u) << text;
  EXPECT_NE(text.find("node /home/dev/.npm/_npx/"), std::string::npos) << text;
  EXPECT_NE(text.find("\u2026"), std::string::npos) << text;
  EXPECT_NE(text.find("sleep 100\n"), std::string::npos) << "a short cell is never cut: " << text;
}

TEST(TableLayout, NarrowColumnsAreNeverCutEvenWhenTheLineMustOverflow) {
  const std::string text = render_table(servers(), {.width = 10});
  EXPECT_NE(text.find("instances"), std::string::npos) << text;
  EXPECT_NE(text.find("sleep 100"), std::string::npos) << text;
  EXPECT_NE(text.find("node /home/dev/.npm/_np\u2026\n"), std::string::npos) << "argv keeps 24 columns: " << text;
}

TEST(TableLayout, WithoutAWidthEveryCellIsWhole) {
  EXPECT_NE(render_table(servers()).find(kLongArgv), std::string::npos);
}

TEST(TableLayout, CsvAndJsonKeepKilobytesAndWholeCells) {
  const std::string csv = render(servers(), "csv", {.width = 40}).value();
  EXPECT_TRUE(csv.starts_with("pid,instances,rss_kb,argv\r\n")) << csv;
  EXPECT_NE(csv.find("2048"), std::string::npos);
  EXPECT_NE(csv.find(kLongArgv), std::string::npos);
  EXPECT_EQ(csv.find("total"), std::string::npos);
  const std::string json = render(servers(), "json", {.width = 40}).value();
  EXPECT_NE(json.find("\"rss_kb\":2048"), std::string::npos) << json;
  EXPECT_NE(json.find(kLongArgv), std::string::npos);
}

TEST(TableLayout, AMultibyteCellIsCutOnACodePointBoundary) {
  ResultTable table{{"argv"}, {{std::string("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                                            "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9")}}};
  const std::string text = render_table(table, {.width = 25});
  EXPECT_EQ(longest_line(text), 25u) << text;
  EXPECT_TRUE(text.ends_with("\u00e9\u2026\n")) << text;
}

}  // namespace
}  // namespace proctrail
