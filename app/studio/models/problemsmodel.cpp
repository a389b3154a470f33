#include "problemsmodel.h"

#include <QColor>
#include <QDir>
#include <QJsonObject>
#include <algorithm>

namespace nimbus::studio {

QString severityName(int severity) {
    switch (severity) {
    case 1:
        return QObject::tr("Error");
    case 2:
        return QObject::tr("Warning");
    case 3:
        return QObject::tr("Info");
    default:
        return QObject::tr("Hint");
    }
}

ProblemsModel::ProblemsModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void ProblemsModel::setDiagnostics(const QString &file, const QJsonArray &diagnostics) {
    QList<Problem> next;
    for (const auto &p : m_problems)
        if (p.file != file)
            next.append(p);
    for (const auto &d : diagnostics) {
        const QJsonObject o = d.toObject();
        const QJsonObject range = o.value("range").toObject();
        Problem p;
        p.file = file;
        p.line = range.value("start").toObject().value("line").toInt();
        p.column = range.value("start").toObject().value("character").toInt();
        p.endLine = range.value("end").toObject().value("line").toInt();
        p.endColumn = range.value("end").toObject().value("character").toInt();
        p.severity = o.value("severity").toInt(1);
        p.message = o.value("message").toString();
        p.code = o.value("code").toVariant().toString();
        next.append(p);
    }
    std::stable_sort(next.begin(), next.end(), [](const Problem &a, const Problem &b) {
        return std::tie(a.severity, a.file, a.line, a.column) <
               std::tie(b.severity, b.file, b.line, b.column);
    });
    beginResetModel();
    m_problems = std::move(next);
    endResetModel();
    emit fileProblemsChanged(file);
}

QList<Problem> ProblemsModel::problemsFor(const QString &file) const {
    QList<Problem> out;
    for (const auto &p : m_problems)
        if (p.file == file)
            out.append(p);
    return out;
}

int ProblemsModel::errorCount() const {
    return static_cast<int>(std::count_if(m_problems.begin(), m_problems.end(),
                                          [](const Problem &p) { return p.severity == 1; }));
}

int ProblemsModel::warningCount() const {
    return static_cast<int>(std::count_if(m_problems.begin(), m_problems.end(),
                                          [](const Problem &p) { return p.severity == 2; }));
}

int ProblemsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_problems.size());
}

int ProblemsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProblemsModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_problems.size())
        return {};
    const Problem &p = m_problems[index.row()];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        switch (index.column()) {
        case SeverityColumn:
            return severityName(p.severity);
        case MessageColumn:
            return p.message;
        case FileColumn:
            return m_projectDir.isEmpty() ? p.file : QDir(m_projectDir).relativeFilePath(p.file);
        case LineColumn:
            return QStringLiteral("%1:%2").arg(p.line + 1).arg(p.column + 1);
        }
        return {};
    case Qt::ToolTipRole:
        return p.message;
    case FileRole:
        return p.file;
    case LineRole:
        return p.line;
    case ColumnRole:
        return p.column;
    case Qt::ForegroundRole:
        if (index.column() == SeverityColumn)
            return p.severity == 1 ? QColor(0xc0, 0x1c, 0x28) : QColor(0x9a, 0x67, 0x00);
        return {};
    }
    return {};
}

QVariant ProblemsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case MessageColumn:
        return tr("Message");
    case FileColumn:
        return tr("File");
    case LineColumn:
        return tr("Line");
    }
    return {};
}

} // namespace nimbus::studio
