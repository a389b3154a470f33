#include "failuresmodel.h"

#include <QColor>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace nimbus::studio {

namespace {

// A JSON value as text: a string as it is, anything else as compact JSON.
QString jsonText(const QJsonValue &value) {
    if (value.isString())
        return value.toString();
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2)); // without the [ ]
}

} // namespace

QString FailureRecord::headline() const {
    if (errorType.isEmpty())
        return errorMessage.isEmpty() ? QObject::tr("(no error message)") : errorMessage;
    return errorMessage.isEmpty() ? errorType : errorType + ": " + errorMessage;
}

QString FailureRecord::prettyEvent() const {
    if (event.isObject())
        return QString::fromUtf8(QJsonDocument(event.toObject()).toJson(QJsonDocument::Indented))
            .trimmed();
    if (event.isArray())
        return QString::fromUtf8(QJsonDocument(event.toArray()).toJson(QJsonDocument::Indented))
            .trimmed();
    return event.isUndefined() ? QStringLiteral("null") : jsonText(event);
}

FailureRecord failureFromJson(const QJsonObject &o) {
    FailureRecord f;
    f.id = o.value("id").toInteger();
    f.function = o.value("function").toString();
    f.qualifier = o.value("qualifier").toString();
    f.requestId = o.value("requestId").toString();
    f.time = o.value("time").toString();
    f.timeMs = o.value("timeMs").toInteger();
    f.errorType = o.value("errorType").toString();
    f.errorMessage = o.value("errorMessage").toString();
    for (const auto &line : o.value("stackTrace").toArray())
        f.stackTrace.append(line.toString());
    f.event = o.value("event");
    f.context = o.value("context").toObject();
    f.environment = o.value("environment").toObject();
    f.log = o.value("log").toString();
    f.trigger = o.value("trigger").toString();
    for (const auto &value : o.value("frames").toArray()) {
        const QJsonObject frame = value.toObject();
        FailureFrame out;
        out.name = frame.value("name").toString();
        out.file = frame.value("file").toString();
        out.line = frame.value("line").toInt();
        const QJsonObject locals = frame.value("locals").toObject();
        for (auto it = locals.begin(); it != locals.end(); ++it)
            out.locals.append({it.key(), jsonText(it.value())});
        f.frames.append(out);
    }
    return f;
}

QList<FailureRecord> failuresFromJson(const QJsonObject &answer) {
    QList<FailureRecord> out;
    for (const auto &value : answer.value("Failures").toArray())
        out.append(failureFromJson(value.toObject()));
    return out;
}

FailuresModel::FailuresModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void FailuresModel::setFailures(const QList<FailureRecord> &failures) {
    bool same = failures.size() == m_failures.size();
    for (int i = 0; same && i < failures.size(); ++i)
        same = failures[i].id == m_failures[i].id;
    if (same)
        return; // failures do not change once kept: nothing new to show
    beginResetModel();
    m_failures = failures;
    endResetModel();
}

const FailureRecord *FailuresModel::failure(qint64 id) const {
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_failures[row];
}

int FailuresModel::rowOf(qint64 id) const {
    for (int i = 0; i < m_failures.size(); ++i)
        if (m_failures[i].id == id)
            return i;
    return -1;
}

int FailuresModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_failures.size());
}

int FailuresModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FailuresModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_failures.size())
        return {};
    const FailureRecord &f = m_failures[index.row()];
    if (role == FailureIdRole)
        return f.id;
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        switch (index.column()) {
        case TimeColumn: {
            const QDateTime time = QDateTime::fromMSecsSinceEpoch(f.timeMs);
            // Today's as a time; older ones with their date.
            return time.date() == QDate::currentDate() ? time.toString("HH:mm:ss")
                                                       : time.toString("yyyy-MM-dd HH:mm");
        }
        case FunctionColumn:
            return f.function;
        case ErrorColumn: {
            // One line in the list: the first line of a multi-line message.
            const QString headline = f.headline();
            return headline.section('\n', 0, 0);
        }
        default:
            return {};
        }
    }
    if (role == Qt::ForegroundRole && index.column() == ErrorColumn)
        return QColor(0xc6, 0x28, 0x28);
    if (role == Qt::ToolTipRole)
        return tr("#%1 %2 (%3), %4\n%5")
            .arg(f.id)
            .arg(f.function, f.qualifier, f.time, f.headline());
    return {};
}

QVariant FailuresModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case FunctionColumn:
        return tr("Function");
    case ErrorColumn:
        return tr("Error");
    default:
        return {};
    }
}

} // namespace nimbus::studio
