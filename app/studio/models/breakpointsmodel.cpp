#include "breakpointsmodel.h"

#include <QColor>
#include <QFileInfo>
#include <QJsonObject>
#include <algorithm>

namespace nimbus::studio {

BreakpointsModel::BreakpointsModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int BreakpointsModel::indexOf(const QString &file, int line) const {
    for (int i = 0; i < m_breakpoints.size(); ++i)
        if (m_breakpoints[i].file == file && m_breakpoints[i].line == line)
            return i;
    return -1;
}

void BreakpointsModel::toggle(const QString &file, int line) {
    if (indexOf(file, line) >= 0) {
        remove(file, line);
        return;
    }
    Breakpoint b;
    b.file = file;
    b.line = line;
    set(b);
}

void BreakpointsModel::set(const Breakpoint &breakpoint) {
    const int existing = indexOf(breakpoint.file, breakpoint.line);
    if (existing >= 0) {
        m_breakpoints[existing] = breakpoint;
        emit dataChanged(index(existing, 0), index(existing, ColumnCount - 1));
    } else {
        // Kept in file and line order, as the panel lists them.
        auto it = std::lower_bound(m_breakpoints.begin(), m_breakpoints.end(), breakpoint,
                                   [](const Breakpoint &a, const Breakpoint &b) {
                                       return std::tie(a.file, a.line) < std::tie(b.file, b.line);
                                   });
        const int row = static_cast<int>(it - m_breakpoints.begin());
        beginInsertRows({}, row, row);
        m_breakpoints.insert(row, breakpoint);
        endInsertRows();
    }
    emit fileChanged(breakpoint.file);
}

void BreakpointsModel::remove(const QString &file, int line) {
    const int row = indexOf(file, line);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_breakpoints.removeAt(row);
    endRemoveRows();
    emit fileChanged(file);
}

void BreakpointsModel::removeAll() {
    const QStringList affected = files();
    beginResetModel();
    m_breakpoints.clear();
    endResetModel();
    for (const QString &file : affected)
        emit fileChanged(file);
}

void BreakpointsModel::setEnabled(int row, bool enabled) {
    if (row < 0 || row >= m_breakpoints.size() || m_breakpoints[row].enabled == enabled)
        return;
    m_breakpoints[row].enabled = enabled;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    emit fileChanged(m_breakpoints[row].file);
}

void BreakpointsModel::setAllEnabled(bool enabled) {
    for (int row = 0; row < m_breakpoints.size(); ++row)
        setEnabled(row, enabled);
}

const Breakpoint *BreakpointsModel::at(const QString &file, int line) const {
    const int row = indexOf(file, line);
    return row < 0 ? nullptr : &m_breakpoints[row];
}

QList<Breakpoint> BreakpointsModel::inFile(const QString &file) const {
    QList<Breakpoint> out;
    for (const auto &b : m_breakpoints)
        if (b.file == file)
            out.append(b);
    return out;
}

QStringList BreakpointsModel::files() const {
    QStringList out;
    for (const auto &b : m_breakpoints)
        if (!out.contains(b.file))
            out.append(b.file);
    return out;
}

void BreakpointsModel::setVerification(const QString &file, const QJsonArray &answers) {
    int answer = 0;
    for (int row = 0; row < m_breakpoints.size(); ++row) {
        Breakpoint &b = m_breakpoints[row];
        if (b.file != file || !b.enabled)
            continue;
        const QJsonObject a = answer < answers.size() ? answers[answer++].toObject() : QJsonObject();
        b.verified = a.value("verified").toBool();
        b.boundLine = a.contains("line") ? a.value("line").toInt() - 1 : -1;
        b.message = a.value("message").toString();
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    emit verificationChanged(file);
}

void BreakpointsModel::clearVerification() {
    for (Breakpoint &b : m_breakpoints) {
        b.verified = false;
        b.boundLine = -1;
        b.message.clear();
    }
    if (!m_breakpoints.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    for (const QString &file : files())
        emit verificationChanged(file);
}

void BreakpointsModel::setExceptionFilters(bool raised, bool uncaught) {
    m_raised = raised;
    m_uncaught = uncaught;
    emit exceptionFiltersChanged();
}

QStringList BreakpointsModel::exceptionFilters() const {
    QStringList out;
    if (m_raised)
        out << "raised";
    if (m_uncaught)
        out << "uncaught";
    return out;
}

QVariant BreakpointsModel::save() const {
    QVariantList list;
    for (const auto &b : m_breakpoints)
        list.append(QVariantMap{{"file", b.file},
                                {"line", b.line},
                                {"enabled", b.enabled},
                                {"condition", b.condition},
                                {"hitCondition", b.hitCondition},
                                {"logMessage", b.logMessage}});
    return QVariantMap{{"breakpoints", list}, {"raised", m_raised}, {"uncaught", m_uncaught}};
}

void BreakpointsModel::restore(const QVariant &saved) {
    const QVariantMap map = saved.toMap();
    beginResetModel();
    m_breakpoints.clear();
    for (const QVariant &v : map.value("breakpoints").toList()) {
        const QVariantMap m = v.toMap();
        Breakpoint b;
        b.file = m.value("file").toString();
        b.line = m.value("line").toInt();
        b.enabled = m.value("enabled", true).toBool();
        b.condition = m.value("condition").toString();
        b.hitCondition = m.value("hitCondition").toString();
        b.logMessage = m.value("logMessage").toString();
        if (!b.file.isEmpty())
            m_breakpoints.append(b);
    }
    std::sort(m_breakpoints.begin(), m_breakpoints.end(), [](const Breakpoint &a, const Breakpoint &b) {
        return std::tie(a.file, a.line) < std::tie(b.file, b.line);
    });
    endResetModel();
    m_raised = map.value("raised", false).toBool();
    m_uncaught = map.value("uncaught", true).toBool();
    for (const QString &file : files())
        emit fileChanged(file);
    emit exceptionFiltersChanged();
}

int BreakpointsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_breakpoints.size());
}

int BreakpointsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BreakpointsModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_breakpoints.size())
        return {};
    const Breakpoint &b = m_breakpoints[index.row()];
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        if (index.column() == LocationColumn)
            return QStringLiteral("%1:%2").arg(QFileInfo(b.file).fileName()).arg(b.line + 1);
        QStringList detail;
        if (!b.condition.isEmpty())
            detail << tr("when %1").arg(b.condition);
        if (!b.hitCondition.isEmpty())
            detail << tr("hit %1").arg(b.hitCondition);
        if (!b.logMessage.isEmpty())
            detail << tr("log \"%1\"").arg(b.logMessage);
        if (b.boundLine >= 0 && b.boundLine != b.line)
            detail << tr("moved to line %1").arg(b.boundLine + 1);
        if (!b.message.isEmpty())
            detail << b.message;
        return detail.join(QStringLiteral(" · "));
    }
    if (role == Qt::CheckStateRole && index.column() == LocationColumn)
        return b.enabled ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::ToolTipRole)
        return b.file;
    if (role == Qt::ForegroundRole && !b.enabled)
        return QColor(0x77, 0x76, 0x7b);
    if (role == FileRole)
        return b.file;
    if (role == LineRole)
        return b.line;
    return {};
}

bool BreakpointsModel::setData(const QModelIndex &index, const QVariant &value, int role) {
    if (role != Qt::CheckStateRole || index.column() != LocationColumn)
        return false;
    setEnabled(index.row(), value.toInt() == Qt::Checked);
    return true;
}

Qt::ItemFlags BreakpointsModel::flags(const QModelIndex &index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == LocationColumn)
        f |= Qt::ItemIsUserCheckable;
    return f;
}

QVariant BreakpointsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == LocationColumn ? tr("Breakpoint") : tr("Details");
}

} // namespace nimbus::studio
