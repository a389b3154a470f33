#pragma once

#include <QString>

// Where the built binaries and the source tree are; CTest passes them in the environment.
QString nimbusBinary(const QString &name);         // e.g. nimbusBinary("nimbus")
QString nimbusSourcePath(const QString &relative); // e.g. nimbusSourcePath("examples/python-hello")
