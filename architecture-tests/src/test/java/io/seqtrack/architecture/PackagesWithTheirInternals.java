package io.seqtrack.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * Slices for {@link LayeringRules#PACKAGES_ARE_FREE_OF_CYCLES}: each package of io.seqtrack is a slice, named without the
 * prefix (e.g. {@code package 'core.domain'}); an {@code internal} subpackage joins its parent's slice.
 */
final class PackagesWithTheirInternals implements SliceAssignment {

    private static final String PREFIX = "io.seqtrack.";

    @Override
    public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
        String name = javaClass.getPackageName();
        if (!name.startsWith(PREFIX)) {
            return SliceIdentifier.ignore();
        }
        String inside = name.substring(PREFIX.length());
        int internal = inside.indexOf(".internal");
        return SliceIdentifier.of("package '" + (internal < 0 ? inside : inside.substring(0, internal)) + "'");
    }

    @Override
    public String getDescription() {
        return "packages of io.seqtrack, each with its internal subpackages";
    }
}
