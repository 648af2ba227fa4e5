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
