#include "projectfiles.h"

#include "nimbus/packaging/ziparchive.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>

void writeFile(const QString &dir, const QString &relative, const QByteArray &contents) {
    const QString path = dir + '/' + relative;
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(contents);
}

void copyProject(const QString &from, const QString &to) {
    const QDir source(from);
    for (const QFileInfo &entry : source.entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot)) {
        const QString target = to + "/" + entry.fileName();
        if (entry.isDir()) {
            if (entry.fileName() == ".nimbus" || entry.fileName() == "__pycache__")
                continue;
            QDir().mkpath(target);
            copyProject(entry.absoluteFilePath(), target);
        } else {
            QFile::copy(entry.absoluteFilePath(), target);
        }
    }
}

QString runGit(const QString &dir, const QStringList &args, bool *ok) {
    QProcess process;
    process.setWorkingDirectory(dir);
    process.start("git", args);
    const bool finished = process.waitForFinished(30000);
    const bool success =
        finished && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    if (ok)
        *ok = success;
    else if (!success)
        qWarning("git %s failed: %s", qPrintable(args.join(' ')),
                 process.readAllStandardError().constData());
    QString out = QString::fromUtf8(process.readAllStandardOutput());
    if (out.endsWith('\n'))
        out.chop(1);
    return out;
}

QByteArray pythonWheel(const QString &moduleName, const QString &moduleVersion) {
    const std::string name = moduleName.toStdString();
    const std::string version = moduleVersion.toStdString();
    const std::string info = name + "-" + version + ".dist-info/";
    std::string zip, error;
    if (!nimbus::packaging::writeZip(
            {{name + "/__init__.py", "VERSION = '" + version + "'\n"},
             {info + "METADATA",
              "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"},
             {info + "WHEEL", "Wheel-Version: 1.0\nGenerator: nimbus-tests\n"
                              "Root-Is-Purelib: true\nTag: py3-none-any\n"},
             {info + "RECORD", name + "/__init__.py,,\n" + info + "METADATA,,\n" + info +
                                   "WHEEL,,\n" + info + "RECORD,,\n"}},
            zip, error))
        qFatal("cannot build a wheel: %s", error.c_str());
    return QByteArray::fromStdString(zip);
}
