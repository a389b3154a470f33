#include "cli.h"

#include <iostream>

int main(int argc, char **argv) {
    return nimbus::cli::run(argc, argv, std::cout, std::cerr);
}
