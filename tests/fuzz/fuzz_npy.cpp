// fuzz_npy: the .npy reader (ag::from_npy_bytes, which ag::load_npy calls).
#include "fuzz.hpp"
#include "tensor/io.hpp"

AG_FUZZ_TARGET({
  ag::Tensor t = ag::from_npy_bytes(input, "fuzz.npy");
  // What was read must be whole: touch every element.
  volatile double s = 0;
  for (double v : t.to_vector<double>()) s = s + v;
  (void)s;
})
