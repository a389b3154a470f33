#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QList>

namespace nimbus::studio {

// One diagnostic, in the editor's terms (zero-based line and UTF-16 column).
struct Problem {
    QString file;
    int line = 0;
    int column = 0;
    int endLine = 0;
    int endColumn = 0;
    int severity = 1; // LSP: 1 error, 2 warning, 3 information, 4 hint
    QString message;
    QString code;
};

// Every file's diagnostics as the language server last published them, for the Problems
// panel (errors first, then by file and line) and the editor's squiggles.
class ProblemsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { SeverityColumn, MessageColumn, FileColumn, LineColumn, ColumnCount };
    enum Role { FileRole = Qt::UserRole + 1, LineRole, ColumnRole };

    explicit ProblemsModel(QObject *parent = nullptr);

    void setDiagnostics(const QString &file, const QJsonArray &diagnostics);
    QList<Problem> problemsFor(const QString &file) const;
    const QList<Problem> &problems() const { return m_problems; }
    int errorCount() const;
    int warningCount() const;
    void setProjectDir(const QString &dir) { m_projectDir = dir; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

signals:
    void fileProblemsChanged(const QString &file);

private:
    QList<Problem> m_problems;
    QString m_projectDir;
};

QString severityName(int severity);

} // namespace nimbus::studio
