// io.hpp: printing, and .npy files so tensors travel to and from NumPy and PyTorch.
//
// Printing follows PyTorch: tensor([[1.0000, 2.0000], [3.0000, 4.0000]]), dtype shown unless
// float32, long tensors summarised with "..." (first and last three along each dimension).
//
// .npy (NumPy's format, version 1.0 to 3.0): a magic string, a Python-dict header with 'descr'
// ('<f4', '<f8', '<i8'), 'fortran_order' (a Fortran-order file is read and made C-order) and
// 'shape', then the raw little-endian data.
// save_npy writes to "<path>.tmp" and renames, so an interrupted save never leaves half a file.
#pragma once

#include <iosfwd>
#include <string>

#include "tensor/tensor.hpp"

namespace ag {

std::ostream& operator<<(std::ostream& os, const Tensor& t);

void save_npy(const Tensor& t, const std::string& path);
Tensor load_npy(const std::string& path);
// The same, to and from memory (the bytes of a .npy file).
std::string to_npy_bytes(const Tensor& t);
Tensor from_npy_bytes(const std::string& bytes, const std::string& what = "npy data");

// Writes `bytes` to path atomically: "<path>.tmp.<pid>" then rename. Throws IoError naming the file.
void write_file_atomic(const std::string& path, const std::string& bytes);
// Reads a whole file, or throws IoError naming it.
std::string read_file(const std::string& path);

}  // namespace ag
