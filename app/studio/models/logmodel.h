#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QJsonArray>
#include <QSortFilterProxyModel>
#include <deque>

namespace nimbus::studio {

// Every function's log as the simulator's live stream delivers it: one row per line, with
// its function and kind (a platform START/END/REPORT line, an error, a gateway request, the
// platform's news). Bounded: the oldest lines go first. Appends come in batches so a fast
// stream costs one model update per batch, not per line.
class LogModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum class Kind { Plain, Platform, Report, Error, Request, Notice };
    enum Role { FunctionRole = Qt::UserRole + 1, KindRole, TimeRole };

    explicit LogModel(QObject *parent = nullptr, int capacity = 100000);

    // Takes the stream's log, request and platform events; ignores the rest.
    void appendEvents(const QJsonArray &events);
    void appendNotice(const QString &text);
    // Lines of one function's log from elsewhere (a deployed function's CloudWatch Logs, an
    // invocation's log tail), each classified as the stream's are.
    void appendLines(const QString &function, const QStringList &lines, qint64 timeMs = -1);
    void clear();
    QStringList functions() const { return m_functions; }

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;

signals:
    void functionSeen(const QString &function);

private:
    struct Line {
        qint64 timeMs;
        QString function;
        QString text;
        Kind kind;
    };
    void append(std::vector<Line> lines);
    static Kind classify(const QString &text);

    std::deque<Line> m_lines;
    int m_capacity;
    QStringList m_functions;
};

// The Output panel's filter: one function (or all) and a text to contain.
class LogFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setFunction(const QString &function);
    void setText(const QString &text);

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override;

private:
    QString m_function;
    QString m_text;
};

} // namespace nimbus::studio
