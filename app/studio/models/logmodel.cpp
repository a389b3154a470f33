#include "logmodel.h"

#include <QColor>
#include <QFont>
#include <QJsonObject>

namespace nimbus::studio {

LogModel::LogModel(QObject *parent, int capacity)
    : QAbstractListModel(parent)
    , m_capacity(capacity) {}

LogModel::Kind LogModel::classify(const QString &text) {
    // Lambda's lines, and SCF's (Report, Init Report, Event).
    if (text.startsWith("REPORT ") || text.startsWith("Report RequestId: ") ||
        text.startsWith("Init Report RequestId: "))
        return Kind::Report;
    if (text.startsWith("START ") || text.startsWith("END ") || text.startsWith("INIT_") ||
        text.startsWith("Event RequestId: ") || text.startsWith("instance "))
        return Kind::Platform;
    if (text.startsWith("[ERROR]") || text.contains("Error:") || text.contains("Traceback") ||
        text.contains("Task timed out"))
        return Kind::Error;
    return Kind::Plain;
}

void LogModel::appendEvents(const QJsonArray &events) {
    std::vector<Line> lines;
    lines.reserve(static_cast<std::size_t>(events.size()));
    for (const auto &e : events) {
        const QJsonObject event = e.toObject();
        const QString type = event.value("type").toString();
        const qint64 time = event.value("time").toInteger();
        const QString function = event.value("function").toString();
        if (type == "log") {
            const QString text = event.value("line").toString();
            lines.push_back({time, function, text, classify(text)});
        } else if (type == "request") {
            lines.push_back({time, function, "→ " + event.value("line").toString(), Kind::Request});
        } else if (type == "platform") {
            lines.push_back(
                {time, QStringLiteral("nimbus"), event.value("message").toString(), Kind::Notice});
        } else if (type == "instance") {
            const QString state = event.value("state").toString();
            if (state == "starting" || state == "stopped")
                lines.push_back(
                    {time, function,
                     QStringLiteral("instance %1 %2%3")
                         .arg(event.value("pid").toInteger())
                         .arg(state == "starting" ? QStringLiteral("started")
                                                  : QStringLiteral("stopped"))
                         .arg(event.contains("reason") ? ": " + event.value("reason").toString()
                                                       : QString()),
                     Kind::Platform});
        }
    }
    append(std::move(lines));
}

void LogModel::appendNotice(const QString &text) {
    append({{QDateTime::currentMSecsSinceEpoch(), QStringLiteral("studio"), text, Kind::Notice}});
}

void LogModel::appendLines(const QString &function, const QStringList &lines, qint64 timeMs) {
    if (timeMs < 0)
        timeMs = QDateTime::currentMSecsSinceEpoch();
    std::vector<Line> out;
    for (const QString &text : lines)
        if (!text.isEmpty())
            out.push_back({timeMs, function, text, classify(text)});
    append(std::move(out));
}

void LogModel::append(std::vector<Line> lines) {
    if (lines.empty())
        return;
    for (const auto &l : lines) {
        if (!l.function.isEmpty() && l.function != "nimbus" && l.function != "studio" &&
            !m_functions.contains(l.function)) {
            m_functions.append(l.function);
            emit functionSeen(l.function);
        }
    }
    if (static_cast<int>(lines.size()) > m_capacity)
        lines.erase(lines.begin(), lines.end() - m_capacity);
    const int overflow = static_cast<int>(m_lines.size() + lines.size()) - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_lines.erase(m_lines.begin(), m_lines.begin() + overflow);
        endRemoveRows();
    }
    const int first = static_cast<int>(m_lines.size());
    beginInsertRows({}, first, first + static_cast<int>(lines.size()) - 1);
    for (auto &l : lines)
        m_lines.push_back(std::move(l));
    endInsertRows();
}

void LogModel::clear() {
    beginResetModel();
    m_lines.clear();
    endResetModel();
}

int LogModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_lines.size());
}

QVariant LogModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(m_lines.size()))
        return {};
    const Line &l = m_lines[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        // Lambda separates REPORT's fields with tabs, which a list draws as nothing.
        return QStringLiteral("%1  [%2] %3")
            .arg(QDateTime::fromMSecsSinceEpoch(l.timeMs).toString("HH:mm:ss.zzz"), l.function,
                 QString(l.text).replace('\t', QStringLiteral("  ")).trimmed());
    case FunctionRole:
        return l.function;
    case KindRole:
        return static_cast<int>(l.kind);
    case TimeRole:
        return l.timeMs;
    case Qt::ForegroundRole:
        switch (l.kind) {
        case Kind::Error:
            return QColor(0xc0, 0x1c, 0x28);
        case Kind::Platform:
            return QColor(0x5e, 0x5c, 0x64);
        case Kind::Report:
            return QColor(0x1a, 0x5f, 0xb4);
        case Kind::Request:
            return QColor(0x61, 0x35, 0x83);
        case Kind::Notice:
            return QColor(0x86, 0x5e, 0x3c);
        case Kind::Plain:
            return {};
        }
        return {};
    case Qt::FontRole:
        if (l.kind == Kind::Report || l.kind == Kind::Request) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    }
    return {};
}

void LogFilterModel::setFunction(const QString &function) {
    m_function = function;
    invalidateFilter();
}

void LogFilterModel::setText(const QString &text) {
    m_text = text;
    invalidateFilter();
}

bool LogFilterModel::filterAcceptsRow(int row, const QModelIndex &parent) const {
    const QModelIndex index = sourceModel()->index(row, 0, parent);
    if (!m_function.isEmpty() && index.data(LogModel::FunctionRole).toString() != m_function)
        return false;
    return m_text.isEmpty() ||
           index.data(Qt::DisplayRole).toString().contains(m_text, Qt::CaseInsensitive);
}

} // namespace nimbus::studio
