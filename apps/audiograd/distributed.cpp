// distributed.cpp: see distributed.hpp.
#include "apps/audiograd/distributed.hpp"

#include <cstdlib>

#ifdef AUDIOGRAD_HAVE_MPI
#include "nn/mpi_communicator.hpp"
#endif

namespace ag::app {

namespace {
std::shared_ptr<nn::Communicator>& the_world() {
  static std::shared_ptr<nn::Communicator> w = nn::local_communicator();
  return w;
}

// Open MPI's, MPICH's or a PMIx launcher's environment: `audiograd train` alone never starts MPI.
bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}
}  // namespace

void start_world(int* argc, char*** argv) {
  if (!launched_by_mpirun()) return;
#ifdef AUDIOGRAD_HAVE_MPI
  the_world() = nn::mpi_communicator(argc, argv);
#else
  (void)argc;
  (void)argv;
  fail<IoError>("started by mpirun, but this audiograd was built without MPI (AUDIOGRAD_MPI=OFF); "
                "rebuild with -DAUDIOGRAD_MPI=ON after tools/setup.sh, or run it without mpirun");
#endif
}

nn::Communicator& world() { return *the_world(); }
std::shared_ptr<nn::Communicator> world_ptr() { return the_world(); }
bool is_main_rank() { return the_world()->rank() == 0; }

}  // namespace ag::app
