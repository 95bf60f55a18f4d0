// check.hpp: CHECK(cond) for the docs examples. An example is also a test (CTest runs it): a
// CHECK that fails prints the condition and makes the program exit non-zero.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                          \
    }                                                                        \
  } while (0)
