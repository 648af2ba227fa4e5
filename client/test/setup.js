const React = require('react');
const ReactDOM = require('react-dom');
const { createReactApp } = require('@tarojs/plugin-framework-react/dist/runtime');

// Taro's hooks need an app instance; without it: "useLoad is not a function" and friends.
// Mounting it makes Taro's DOM shim warn about every React event listener: hush that one call.
const { warn, error } = console;
console.warn = () => {};
console.error = () => {};
try {
  createReactApp(({ children }) => children, React, ReactDOM, { pages: [] });
} finally {
  console.warn = warn;
  console.error = error;
}

afterEach(() => {
  window.localStorage.clear();
});

// findBy*/waitFor give up after 1 s by default: on a loaded two-core machine a page's first render
// with its requests can take longer, and the test then fails for the machine, not the page.
require('@testing-library/react').configure({ asyncUtilTimeout: 5000 });
