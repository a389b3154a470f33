#pragma once

#include <QAbstractItemModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QPointer>
#include <memory>
#include <vector>

namespace nimbus::studio {

class DebugSession;

// Variables of the selected frame (its scopes at the top) or the Watch expressions' values,
// as a lazy tree: a node's children are asked of the adapter only when it is expanded
// (canFetchMore/fetchMore), and a collection with many indexed elements is split into pages
// of 100 fetched one at a time. Values can be edited in place (setVariable).
class VariablesModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, ValueColumn, TypeColumn, ColumnCount };
    static constexpr int kPageSize = 100;

    explicit VariablesModel(DebugSession *session, QObject *parent = nullptr);
    ~VariablesModel() override;

    // Roots: a frame's scopes ({name, variablesReference, ...}).
    void setScopes(const QJsonArray &scopes);
    // Roots: watch expressions with what evaluating them gave (a result body or an error).
    struct Watch {
        QString expression;
        QJsonObject result;
        QString error;
    };
    void setWatches(const QList<Watch> &watches);
    void clear();

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    QVariant data(const QModelIndex &index, int role) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

signals:
    // A fetch or an edit failed: say so where the user looks.
    void message(const QString &text);

private:
    struct Node;
    Node *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOf(Node *node, int column = 0) const;
    void addVariables(Node *parent, const QJsonArray &variables);
    std::unique_ptr<Node> makeNode(const QJsonObject &variable, Node *parent);

    QPointer<DebugSession> m_session;
    std::unique_ptr<Node> m_root;
    int m_generation = 0; // bumps on every reset; late answers for older trees are dropped
};

} // namespace nimbus::studio
