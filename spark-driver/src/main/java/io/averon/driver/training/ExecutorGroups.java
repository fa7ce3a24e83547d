package io.averon.driver.training;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which training tasks share an executor, and so average among themselves first (hierarchical
 * rounds, {@link io.averon.ps.group.TaskGroup}): group {@code g} holds the tasks on the {@code g}-th
 * distinct executor in task order, ascending; its first task is the leader, the only one that takes
 * part in the rounds across executors. Without hierarchy every task is a group of its own.
 */
final class ExecutorGroups {

    private final int[] groupOf;
    private final List<int[]> members;

    private ExecutorGroups(int[] groupOf, List<int[]> members) {
        this.groupOf = groupOf;
        this.members = members;
    }

    /** Groups the tasks by the executor each runs on ({@code executors[task]}, e.g. Spark's task address). */
    static ExecutorGroups byExecutor(String[] executors) {
        Map<String, List<Integer>> byExecutor = new LinkedHashMap<>();
        for (int task = 0; task < executors.length; task++) {
            byExecutor.computeIfAbsent(executors[task], e -> new ArrayList<>()).add(task);
        }
        int[] groupOf = new int[executors.length];
        List<int[]> members = new ArrayList<>();
        for (List<Integer> tasks : byExecutor.values()) {
            for (int task : tasks) {
                groupOf[task] = members.size();
            }
            members.add(tasks.stream().mapToInt(Integer::intValue).toArray());
        }
        return new ExecutorGroups(groupOf, List.copyOf(members));
    }

    /** Every task a group of its own: flat rounds. */
    static ExecutorGroups flat(int tasks) {
        String[] distinct = new String[tasks];
        for (int task = 0; task < tasks; task++) {
            distinct[task] = Integer.toString(task);
        }
        return byExecutor(distinct);
    }

    /** Whether no group has more than one task (nothing to average locally). */
    boolean isFlat() {
        return members.size() == groupOf.length;
    }

    /** The number of groups: the participants of the rounds across executors. */
    int groups() {
        return members.size();
    }

    int groupOf(int task) {
        return groupOf[task];
    }

    /** The tasks of group {@code group}, ascending. */
    int[] members(int group) {
        return members.get(group).clone();
    }

    /** The position of {@code task} in its group: 0 for the leader. */
    int memberIndex(int task) {
        int[] tasks = members.get(groupOf[task]);
        for (int m = 0; m < tasks.length; m++) {
            if (tasks[m] == task) {
                return m;
            }
        }
        throw new IllegalStateException("task " + task + " is not in its group");
    }

    boolean isLeader(int task) {
        return memberIndex(task) == 0;
    }
}
