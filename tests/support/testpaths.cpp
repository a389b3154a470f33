#include "testpaths.h"

#include <QDir>

namespace {
QString fromEnvironment(const char *name) {
    const QString value = qEnvironmentVariable(name);
    if (value.isEmpty())
        qFatal("%s is not set; run the tests through ctest", name);
    return value;
}
} // namespace

QString nimbusBinary(const QString &name) {
    return QDir(fromEnvironment("NIMBUS_BIN_DIR")).filePath(name);
}

QString nimbusSourcePath(const QString &relative) {
    return QDir(fromEnvironment("NIMBUS_SOURCE_DIR")).filePath(relative);
}
