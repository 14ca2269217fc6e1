package io.seqtrack.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAnnotation;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.domain.JavaTypeVariable;
import com.tngtech.archunit.core.domain.properties.HasSourceCodeLocation;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a class shows its callers: its supertypes and type parameters, and the types of its public and protected
 * members, generic type arguments and bounds included ({@code Optional<Injector>} exposes {@code Injector}).
 * Method bodies and private or package-private members are not part of it.
 */
final class PublicSignatures {

    private PublicSignatures() {
    }

    /** Checks that no type matching {@code forbidden} appears anywhere in a class's public signature. */
    static ArchCondition<JavaClass> exposeNoTypeThat(DescribedPredicate<? super JavaClass> forbidden) {
        return new ArchCondition<>("expose no type in their public signature that " + forbidden.getDescription()) {
            @Override
            public void check(JavaClass javaClass, ConditionEvents events) {
                Set<JavaClass> declaration = new LinkedHashSet<>();
                javaClass.getSuperclass().ifPresent(superclass -> declaration.addAll(superclass.getAllInvolvedRawTypes()));
                javaClass.getInterfaces().forEach(type -> declaration.addAll(type.getAllInvolvedRawTypes()));
                javaClass.getTypeParameters().forEach(parameter -> declaration.addAll(boundsOf(parameter)));
                declaration.addAll(annotationTypes(javaClass.getAnnotations()));
                report(javaClass, javaClass.getName(), javaClass, declaration, forbidden, events);

                for (JavaMember member : javaClass.getMembers()) {
                    if (isExposed(member)) {
                        report(javaClass, member.getFullName(), member, typesIn(member), forbidden, events);
                    }
                }
            }
        };
    }

    private static boolean isExposed(JavaMember member) {
        Set<JavaModifier> modifiers = member.getModifiers();
        return (modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED))
                && !modifiers.contains(JavaModifier.SYNTHETIC);
    }

    private static Set<JavaClass> typesIn(JavaMember member) {
        Set<JavaClass> types = new LinkedHashSet<>(annotationTypes(member.getAnnotations()));
        if (member instanceof JavaField field) {
            types.addAll(field.getType().getAllInvolvedRawTypes());
        } else if (member instanceof JavaCodeUnit codeUnit) {
            types.addAll(codeUnit.getReturnType().getAllInvolvedRawTypes());
            codeUnit.getParameterTypes().forEach(type -> types.addAll(type.getAllInvolvedRawTypes()));
            codeUnit.getTypeParameters().forEach(parameter -> types.addAll(boundsOf(parameter)));
            types.addAll(codeUnit.getThrowsClause().getTypes());
            codeUnit.getParameters().forEach(parameter -> types.addAll(annotationTypes(parameter.getAnnotations())));
        }
        return types;
    }

    private static Set<JavaClass> boundsOf(JavaTypeVariable<?> parameter) {
        Set<JavaClass> types = new LinkedHashSet<>();
        for (JavaType bound : parameter.getUpperBounds()) {
            types.addAll(bound.getAllInvolvedRawTypes());
        }
        return types;
    }

    private static Set<JavaClass> annotationTypes(Collection<? extends JavaAnnotation<?>> annotations) {
        Set<JavaClass> types = new LinkedHashSet<>();
        annotations.forEach(annotation -> types.add(annotation.getRawType()));
        return types;
    }

    private static void report(JavaClass owner, String element, HasSourceCodeLocation location, Set<JavaClass> types,
            DescribedPredicate<? super JavaClass> forbidden, ConditionEvents events) {
        for (JavaClass type : types) {
            if (forbidden.test(type)) {
                String message = element + " exposes " + type.getName() + " in the public signature of "
                        + owner.getName() + " " + location.getSourceCodeLocation();
                events.add(SimpleConditionEvent.violated(owner, message));
            }
        }
    }
}
