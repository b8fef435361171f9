#include "cli/app.hpp"

int main(int argc, char** argv) { return proctrail::cli::main_entry(argc, argv); }
