// fuzz_safetensors: the safetensors checkpoint reader (ag::nn::from_safetensors_bytes, which
// load_safetensors / load_checkpoint / load_model call).
#include "fuzz.hpp"
#include "nn/checkpoint.hpp"

AG_FUZZ_TARGET({
  ag::nn::SafeTensors st = ag::nn::from_safetensors_bytes(input, "fuzz.safetensors");
  volatile double s = 0;
  for (const auto& [name, t] : st.tensors.items())
    if (t.numel() > 0) s = s + t.to_vector<double>()[0];
  (void)s;
})
