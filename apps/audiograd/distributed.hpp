// distributed.hpp: the app's place in a data-parallel run (`mpirun -np N audiograd train ...`,
// docs/15_distributed.md). Started once in main(): MPI when the process was launched by mpirun and
// the app was built with AUDIOGRAD_MPI, else one local rank. Rank 0 is the main rank: it alone
// writes the run directory (checkpoints, metrics, summary, report) and prints progress; the
// others train beside it and print only their errors.
#pragma once

#include <memory>

#include "nn/distributed.hpp"

namespace ag::app {

// Starts the world: MPI if launched by mpirun, else local. Fails (IoError) if mpirun started an
// app built without MPI, which would otherwise train N unrelated copies.
void start_world(int* argc, char*** argv);

nn::Communicator& world();
std::shared_ptr<nn::Communicator> world_ptr();
bool is_main_rank();

}  // namespace ag::app
