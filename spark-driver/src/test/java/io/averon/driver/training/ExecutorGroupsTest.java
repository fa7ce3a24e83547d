package io.averon.driver.training;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which tasks average together first: plain arithmetic on the executors Spark placed the tasks on. */
@Tag("fast")
class ExecutorGroupsTest {

    @Test
    void shouldGroupTasksByExecutorInTaskOrderWithTheLowestTaskLeading() {
        ExecutorGroups groups = ExecutorGroups.byExecutor(new String[]{"10.0.0.2:7078", "10.0.0.1:7078",
                "10.0.0.2:7078", "10.0.0.1:7078", "10.0.0.3:7078"});

        assertFalse(groups.isFlat());
        assertEquals(3, groups.groups(), "three executors, three participants across them");
        assertArrayEquals(new int[]{0, 2}, groups.members(0));
        assertArrayEquals(new int[]{1, 3}, groups.members(1));
        assertArrayEquals(new int[]{4}, groups.members(2));
        assertEquals(1, groups.groupOf(3));
        assertEquals(1, groups.memberIndex(3));
        assertTrue(groups.isLeader(1));
        assertFalse(groups.isLeader(2));
    }

    @Test
    void shouldBeFlatWhenEveryExecutorRunsOneTaskOrHierarchyIsOff() {
        assertTrue(ExecutorGroups.byExecutor(new String[]{"a:1", "b:1", "c:1"}).isFlat());
        ExecutorGroups flat = ExecutorGroups.flat(4);
        assertTrue(flat.isFlat());
        assertEquals(4, flat.groups());
        assertTrue(flat.isLeader(3));
        assertEquals(2, flat.groupOf(2));
    }
}
