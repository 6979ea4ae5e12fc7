import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import UiField from '../../src/ui/UiField.vue';

describe('UiField', () => {
  it('labels the input and links hint and error for assistive technology', async () => {
    const wrapper = mount(UiField, {
      props: {
        id: 'email',
        label: 'Email',
        hint: 'Work address',
        error: 'Enter an email address',
        type: 'email',
      },
    });
    const input = wrapper.get('input');

    expect(wrapper.get('label').attributes('for')).toBe('email');
    expect(input.attributes('id')).toBe('email');
    expect(input.attributes('type')).toBe('email');
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(input.attributes('aria-describedby')).toBe('email-hint email-error');
    expect(wrapper.get('#email-error').text()).toBe('Enter an email address');
    expect(wrapper.get('#email-error').attributes('role')).toBe('alert');

    await wrapper.setProps({ error: undefined });
    expect(input.attributes('aria-invalid')).toBeUndefined();
    expect(input.attributes('aria-describedby')).toBe('email-hint');
  });

  it('binds v-model', async () => {
    const wrapper = mount(UiField, {
      props: {
        label: 'Name',
        modelValue: 'Ada',
        'onUpdate:modelValue': (v: string) => wrapper.setProps({ modelValue: v }),
      },
    });
    expect(wrapper.get('input').element.value).toBe('Ada');
    await wrapper.get('input').setValue('Grace');
    expect(wrapper.props('modelValue')).toBe('Grace');
    expect(wrapper.get('label').attributes('for')).toBe(wrapper.get('input').attributes('id'));
  });
});
