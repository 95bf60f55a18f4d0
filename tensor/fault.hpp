// fault.hpp: a deterministic fault-injection hook for crash tests.
//
// Every writer of files that must survive a crash (write_file_atomic: checkpoints, metrics.csv,
// result.json, summary.json, config.ini, report.html; the feature cache's entries) calls
// crash_point("what") before, inside and after each write, fsync and rename. Normally it does
// nothing but read one cached environment variable. For tests:
//
//   AUDIOGRAD_CRASH_AT=<n>     the n-th crash point reached in this process (counting from 1)
//                              raises SIGKILL on the process, as `kill -9` or a power cut would.
//   AUDIOGRAD_CRASH_LOG=<file> every crash point reached appends "<n> <name> <file written>" to <file>
//                              (so a test first counts the points of a run, then kills at each).
#pragma once

#include <string>

namespace ag {

// `file` (optional) names what is being written, for the log: "<n> <name> <file>".
void crash_point(const char* name, const std::string& file = "");

}  // namespace ag
