#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

// Files and git in a test's project folder.

// Writes `contents` to dir/relative, creating folders; fails the test run if it cannot.
void writeFile(const QString &dir, const QString &relative, const QByteArray &contents);

// Copies a project folder (an example) to `to`, leaving out what runs leave behind
// (.nimbus/, __pycache__/), so a test writes nothing into the source tree.
void copyProject(const QString &from, const QString &to);

// Runs the git command in `dir`: its standard output without the final newline. Whether it
// succeeded goes to `ok`; without `ok`, a failure is printed as a warning.
QString runGit(const QString &dir, const QStringList &args, bool *ok = nullptr);

// A wheel (PEP 427) of one pure-Python module `name` whose VERSION is `version`: what pip
// installs offline from a --find-links folder.
QByteArray pythonWheel(const QString &name, const QString &version);
