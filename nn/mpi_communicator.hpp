// mpi_communicator.hpp: the Communicator of distributed.hpp over MPI (the audiograd_mpi target,
// built when CMake finds MPI and AUDIOGRAD_MPI is on; audiograd_nn itself has no MPI in it).
//
// MPI is started once per process, with MPI_THREAD_FUNNELED: only the thread that started it makes
// MPI calls (the batch loader's workers and OpenMP's threads never do), and ended at exit.
#pragma once

#include <memory>

#include "nn/distributed.hpp"

namespace ag::nn {

// Starts MPI (once) and returns the communicator of MPI_COMM_WORLD.
std::shared_ptr<Communicator> mpi_communicator(int* argc, char*** argv);

}  // namespace ag::nn
