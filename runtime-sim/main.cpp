#include "simulator/daemon.h"

int main(int argc, char **argv) {
    return nimbus::sim::runDaemon(argc, argv);
}
