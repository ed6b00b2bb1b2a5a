// OpenAPIDocument: the OpenAPI 3 description of every route, served at /openapi.json and checked against real responses in tests.
import RAG

/// The document, as served.
package enum OpenAPIDocument {
    /// `/v1/classify`'s method names, from the library's one list.
    static let methodNames = "[" + ClassificationMethod.names.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    static let offlineNames = OfflineClassifier.Method.allCases.map(\.rawValue).joined(separator: ", ")
    /// `/v1/learning_curve`'s techniques: the offline ones that train in seconds.
    static let curveMethodList = OfflineClassifier.Method.allCases.filter { !$0.usesFineTunedEncoder }.map(\.rawValue)
    static let curveNames = curveMethodList.joined(separator: ", ")
    static let curveMethodNames = "[" + curveMethodList.map { "\"\($0)\"" }.joined(separator: ", ") + "]"

    package static let json = #"""
    {
     "openapi": "3.0.3",
     "info": {
      "title": "LocalRAG",
      "version": "1",
      "description": "rag serve: local embeddings (OpenAI-compatible), search, classification and documents over one LocalRAG index."
     },
     "paths": {
      "/healthz": {
       "get": {
        "summary": "Liveness and the index's size",
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/Health"
            }
           }
          }
         }
        }
       }
      },
      "/v1/models": {
       "get": {
        "summary": "The served embedding model (OpenAI's list shape)",
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/ModelList"
            }
           }
          }
         },
         "401": {
          "$ref": "#/components/responses/Unauthorized"
         }
        }
       }
      },
      "/metrics": {
       "get": {
        "summary": "Prometheus text format: requests and latency per route, batch sizes, index rows",
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "text/plain": {
            "schema": {
             "type": "string"
            }
           }
          }
         }
        }
       }
      },
      "/openapi.json": {
       "get": {
        "summary": "This document",
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "application/json": {
            "schema": {
             "type": "object"
            }
           }
          }
         }
        }
       }
      },
      "/v1/embeddings": {
       "post": {
        "summary": "Embeddings, OpenAI's request and response",
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/EmbeddingsRequest"
           }
          }
         }
        },
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/EmbeddingsResponse"
            }
           }
          }
         },
         "404": {
          "$ref": "#/components/responses/NotFound"
         },
         "400": {
          "$ref": "#/components/responses/BadRequest"
         },
         "401": {
          "$ref": "#/components/responses/Unauthorized"
         },
         "413": {
          "$ref": "#/components/responses/TooLarge"
         },
         "503": {
          "$ref": "#/components/responses/Overloaded"
         }
        }
       }
      },
      "/v1/search": {
       "post": {
        "summary": "Nearest stored rows of one query or several",
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/SearchRequest"
           }
          }
         }
        },
        "responses": {
         "200": {
          "description": "One query: a SearchResult; queries: {results: [SearchResult]}",
          "content": {
           "application/json": {
            "schema": {
             "oneOf": [
              {
               "$ref": "#/components/schemas/SearchResult"
              },
              {
               "$ref": "#/components/schemas/SearchResults"
              }
             ]
            }
           }
          }
         },
         "400": {
          "$ref": "#/components/responses/BadRequest"
         },
         "401": {
          "$ref": "#/components/responses/Unauthorized"
         },
         "413": {
          "$ref": "#/components/responses/TooLarge"
         },
         "503": {
          "$ref": "#/components/responses/Overloaded"
         }
        }
       }
      },
      "/v1/classify": {
       "post": {
        "summary": "Classification: offline (\#(offlineNames)) or llm when the server has a chat model",
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/ClassifyRequest"
           }
          }
         }
        },
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/ClassifyResponse"
            }
           }
          }
         },
         "400": {
          "$ref": "#/components/responses/BadRequest"
         },
         "401": {
          "$ref": "#/components/responses/Unauthorized"
         },
         "413": {
          "$ref": "#/components/responses/TooLarge"
         },
         "503": {
          "$ref": "#/components/responses/Overloaded"
         },
         "502": {
          "$ref": "#/components/responses/LLMFailed"
         }
        }
       }
      },
      "/v1/learning_curve": {
       "post": {
        "summary": "Learning curve (rag compare --curve): accuracy of \#(curveNames) on the given labelled rows with only so many stored rows per label, drawn stratified, several seeds per count",
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/LearningCurveRequest"
           }
          }
         }
        },
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/LearningCurveResponse"
            }
           }
          }
         },
         "400": {
          "$ref": "#/components/responses/BadRequest"
         },
         "401": {
          "$ref": "#/components/responses/Unauthorized"
         },
         "413": {
          "$ref": "#/components/responses/TooLarge"
         },
         "503": {
          "$ref": "#/components/responses/Overloaded"
         }
        }
       }
      },
      "/v1/documents": {
       "post": {
        "summary": "Append labelled rows as a new generation of the index (atomic)",
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/DocumentsRequest"
           }
          }
         }
        },
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/DocumentsResponse"
            }
           }
          }
         },
         "400": {
          "$ref": "#/components/responses/BadRequest"
         },
         "401": {
          "$ref": "#/components/responses/Unauthorized"
         },
         "409": {
          "description": "A document's id is already in the index (code duplicate_id); nothing was added",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/Error"
            }
           }
          }
         },
         "413": {
          "$ref": "#/components/responses/TooLarge"
         },
         "503": {
          "$ref": "#/components/responses/Overloaded"
         }
        }
       },
       "put": {
        "summary": "Store documents by id (each needs an id): a stored id is replaced (the old row deleted), the others added, in one commit",
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/DocumentsRequest"
           }
          }
         }
        },
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/UpsertResponse"
            }
           }
          }
         },
         "400": {
          "$ref": "#/components/responses/BadRequest"
         },
         "401": {
          "$ref": "#/components/responses/Unauthorized"
         },
         "409": {
          "description": "The index cannot change rows by id (written before ids, or a store that does not delete yet); nothing was changed",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/Error"
            }
           }
          }
         },
         "413": {
          "$ref": "#/components/responses/TooLarge"
         },
         "503": {
          "$ref": "#/components/responses/Overloaded"
         }
        }
       },
       "delete": {
        "summary": "Delete the rows holding the given ids, in one commit: from then on no search, vote, head or prompt sees them",
        "requestBody": {
         "required": true,
         "content": {
          "application/json": {
           "schema": {
            "$ref": "#/components/schemas/DeleteDocumentsRequest"
           }
          }
         }
        },
        "responses": {
         "200": {
          "description": "OK",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/DeleteResponse"
            }
           }
          }
         },
         "400": {
          "$ref": "#/components/responses/BadRequest"
         },
         "401": {
          "$ref": "#/components/responses/Unauthorized"
         },
         "409": {
          "description": "The index cannot delete rows (written before ids, or a store that does not delete yet); nothing was changed",
          "content": {
           "application/json": {
            "schema": {
             "$ref": "#/components/schemas/Error"
            }
           }
          }
         },
         "413": {
          "$ref": "#/components/responses/TooLarge"
         },
         "503": {
          "$ref": "#/components/responses/Overloaded"
         }
        }
       }
      }
     },
     "components": {
      "schemas": {
       "Error": {
        "type": "object",
        "properties": {
         "error": {
          "type": "object",
          "properties": {
           "message": {
            "type": "string"
           },
           "type": {
            "type": "string"
           },
           "param": {
            "type": "string",
            "nullable": true
           },
           "code": {
            "type": "string",
            "nullable": true
           }
          },
          "required": [
           "message",
           "type"
          ]
         }
        },
        "required": [
         "error"
        ]
       },
       "Health": {
        "type": "object",
        "properties": {
         "status": {
          "type": "string"
         },
         "rows": {
          "type": "integer"
         },
         "generation": {
          "type": "integer"
         },
         "labels": {
          "type": "integer"
         }
        },
        "required": [
         "status",
         "rows",
         "generation",
         "labels"
        ]
       },
       "ModelList": {
        "type": "object",
        "properties": {
         "object": {
          "type": "string"
         },
         "data": {
          "type": "array",
          "items": {
           "type": "object",
           "properties": {
            "id": {
             "type": "string"
            },
            "object": {
             "type": "string"
            },
            "created": {
             "type": "integer"
            },
            "owned_by": {
             "type": "string"
            }
           },
           "required": [
            "id",
            "object",
            "created",
            "owned_by"
           ]
          }
         }
        },
        "required": [
         "object",
         "data"
        ]
       },
       "EmbeddingsRequest": {
        "type": "object",
        "properties": {
         "input": {
          "oneOf": [
           {
            "type": "string"
           },
           {
            "type": "array",
            "items": {
             "type": "string"
            }
           }
          ]
         },
         "model": {
          "type": "string"
         },
         "encoding_format": {
          "type": "string",
          "enum": [
           "float",
           "base64"
          ]
         },
         "dimensions": {
          "type": "integer"
         },
         "user": {
          "type": "string"
         }
        },
        "required": [
         "input"
        ]
       },
       "EmbeddingsResponse": {
        "type": "object",
        "properties": {
         "object": {
          "type": "string"
         },
         "data": {
          "type": "array",
          "items": {
           "type": "object",
           "properties": {
            "object": {
             "type": "string"
            },
            "index": {
             "type": "integer"
            },
            "embedding": {
             "oneOf": [
              {
               "type": "array",
               "items": {
                "type": "number"
               }
              },
              {
               "type": "string"
              }
             ]
            }
           },
           "required": [
            "object",
            "index",
            "embedding"
           ]
          }
         },
         "model": {
          "type": "string"
         },
         "usage": {
          "type": "object",
          "properties": {
           "prompt_tokens": {
            "type": "integer"
           },
           "total_tokens": {
            "type": "integer"
           }
          },
          "required": [
           "prompt_tokens",
           "total_tokens"
          ]
         }
        },
        "required": [
         "object",
         "data",
         "model",
         "usage"
        ]
       },
       "SearchRequest": {
        "type": "object",
        "properties": {
         "query": {
          "type": "string"
         },
         "queries": {
          "type": "array",
          "items": {
           "type": "string"
          }
         },
         "k": {
          "type": "integer"
         },
         "nprobe": {
          "type": "integer"
         },
         "exact": {
          "type": "boolean"
         },
         "filter": {
          "type": "string",
          "description": "Only rows matching this expression (rag query --where): metadata columns, label and id with =, !=, <, <=, >, >=, in [...], is null, and, or, not"
         },
         "rescore": {
          "type": "integer",
          "minimum": 1,
          "description": "An index built with --vectors int8, f16 or bf16: candidates per result kept from the codes (k x rescore) and rescored exactly; default the stored value"
         }
        }
       },
       "Neighbour": {
        "type": "object",
        "properties": {
         "id": {
          "type": "string"
         },
         "row": {
          "type": "integer"
         },
         "score": {
          "type": "number"
         },
         "label": {
          "type": "string",
          "nullable": true
         },
         "text": {
          "type": "string"
         },
         "metadata": {
          "type": "object",
          "description": "The row's metadata values (absent when it has none)",
          "additionalProperties": {}
         }
        },
        "required": [
         "row",
         "score",
         "text"
        ]
       },
       "SearchResult": {
        "type": "object",
        "properties": {
         "query": {
          "type": "string"
         },
         "neighbours": {
          "type": "array",
          "items": {
           "$ref": "#/components/schemas/Neighbour"
          }
         }
        },
        "required": [
         "query",
         "neighbours"
        ]
       },
       "SearchResults": {
        "type": "object",
        "properties": {
         "results": {
          "type": "array",
          "items": {
           "$ref": "#/components/schemas/SearchResult"
          }
         }
        },
        "required": [
         "results"
        ]
       },
       "ClassifyRequest": {
        "type": "object",
        "properties": {
         "texts": {
          "type": "array",
          "items": {
           "type": "string"
          }
         },
         "method": {
          "type": "string",
          "enum": \#(methodNames)
         },
         "k": {
          "type": "integer"
         },
         "rag": {
          "type": "boolean",
          "description": "llm only: put the top k rows in the prompt (default true)"
         },
         "filter": {
          "type": "string",
          "description": "Only stored rows matching this expression take part (rag classify --where): the neighbours, the labels chosen among, and a head trained on them for this request"
         }
        },
        "required": [
         "texts"
        ]
       },
       "Prediction": {
        "type": "object",
        "properties": {
         "row": {
          "type": "integer"
         },
         "text": {
          "type": "string"
         },
         "predicted": {
          "type": "string"
         },
         "confidence": {
          "type": "number"
         },
         "method": {
          "type": "string"
         },
         "raw": {
          "type": "string",
          "description": "llm: the model's answer when it named no category"
         },
         "error": {
          "type": "string",
          "description": "llm: why the row failed (predicted is then \"\")"
         }
        },
        "required": [
         "row",
         "text",
         "predicted",
         "confidence",
         "method"
        ]
       },
       "LearningCurveRequest": {
        "type": "object",
        "properties": {
         "texts": {
          "type": "array",
          "description": "The evaluation rows' texts",
          "items": {
           "type": "string"
          }
         },
         "labels": {
          "type": "array",
          "description": "The evaluation rows' gold labels, one per text",
          "items": {
           "type": "string"
          }
         },
         "per_label": {
          "description": "Stored rows per label to measure with: [2, 4, 8, \"all\"] or \"2,4,8,all\" (whole numbers from 1, or all, none twice)",
          "oneOf": [
           {
            "type": "array",
            "items": {
             "$ref": "#/components/schemas/PerLabel"
            }
           },
           {
            "type": "string"
           }
          ]
         },
         "seeds": {
          "type": "integer",
          "description": "Draws at each count below every label's rows, 1 to 20 (default 3)"
         },
         "k": {
          "type": "integer",
          "description": "Neighbours that vote (default 10)"
         },
         "methods": {
          "type": "array",
          "description": "Techniques (default zero-shot, knn, head); the fine-tuned ones are refused here (rag compare --curve measures them)",
          "items": {
           "type": "string",
           "enum": \#(curveMethodNames)
          }
         }
        },
        "required": [
         "texts",
         "labels",
         "per_label"
        ]
       },
       "PerLabel": {
        "oneOf": [
         {
          "type": "integer"
         },
         {
          "type": "string",
          "enum": [
           "all"
          ]
         }
        ]
       },
       "CurvePoint": {
        "type": "object",
        "properties": {
         "technique": {
          "type": "string"
         },
         "per_label": {
          "$ref": "#/components/schemas/PerLabel"
         },
         "seed": {
          "type": "integer"
         },
         "accuracy": {
          "type": "number"
         },
         "macro_f1": {
          "type": "number"
         },
         "seconds": {
          "type": "number",
          "description": "Training and classifying this point"
         },
         "rows": {
          "type": "integer",
          "description": "Stored rows drawn"
         },
         "capped_labels": {
          "type": "object",
          "description": "Labels with fewer stored rows than per_label asked for, and how many they gave",
          "additionalProperties": {
           "type": "integer"
          }
         }
        },
        "required": [
         "technique",
         "per_label",
         "seed",
         "accuracy",
         "macro_f1",
         "seconds",
         "rows",
         "capped_labels"
        ]
       },
       "LearningCurveResponse": {
        "type": "object",
        "properties": {
         "object": {
          "type": "string",
          "enum": [
           "learning_curve"
          ]
         },
         "points": {
          "type": "array",
          "items": {
           "$ref": "#/components/schemas/CurvePoint"
          }
         },
         "cheapest": {
          "type": "array",
          "description": "At each count, the technique that cost least among those within 1 point of the best accuracy",
          "items": {
           "type": "object",
           "properties": {
            "per_label": {
             "$ref": "#/components/schemas/PerLabel"
            },
            "technique": {
             "type": "string"
            },
            "best": {
             "type": "string"
            }
           },
           "required": [
            "per_label",
            "technique",
            "best"
           ]
          }
         }
        },
        "required": [
         "object",
         "points",
         "cheapest"
        ]
       },
       "ClassifyResponse": {
        "type": "object",
        "properties": {
         "predictions": {
          "type": "array",
          "items": {
           "$ref": "#/components/schemas/Prediction"
          }
         }
        },
        "required": [
         "predictions"
        ]
       },
       "DocumentsRequest": {
        "type": "object",
        "properties": {
         "documents": {
          "type": "array",
          "items": {
           "type": "object",
           "properties": {
            "text": {
             "type": "string"
            },
            "label": {
             "type": "string"
            },
            "id": {
             "type": "string",
             "description": "The row's id, unique in the index (default api:<generation>:<i>); an id already stored is refused with 409."
            }
           },
           "required": [
            "text"
           ]
          }
         }
        },
        "required": [
         "documents"
        ]
       },
       "UpsertResponse": {
        "type": "object",
        "properties": {
         "added": {
          "type": "integer"
         },
         "replaced": {
          "type": "integer"
         },
         "count": {
          "type": "integer"
         },
         "generation": {
          "type": "integer"
         }
        },
        "required": [
         "added",
         "replaced",
         "count",
         "generation"
        ]
       },
       "DeleteDocumentsRequest": {
        "type": "object",
        "properties": {
         "ids": {
          "type": "array",
          "items": {
           "type": "string"
          }
         }
        },
        "required": [
         "ids"
        ]
       },
       "DeleteResponse": {
        "type": "object",
        "properties": {
         "deleted": {
          "type": "integer"
         },
         "missing": {
          "type": "array",
          "description": "Ids asked for that no row holds (not an error)",
          "items": {
           "type": "string"
          }
         },
         "count": {
          "type": "integer"
         },
         "generation": {
          "type": "integer"
         }
        },
        "required": [
         "deleted",
         "missing",
         "count",
         "generation"
        ]
       },
       "DocumentsResponse": {
        "type": "object",
        "properties": {
         "added": {
          "type": "integer"
         },
         "count": {
          "type": "integer"
         },
         "generation": {
          "type": "integer"
         }
        },
        "required": [
         "added",
         "count",
         "generation"
        ]
       }
      },
      "responses": {
       "Unauthorized": {
        "description": "Missing or wrong bearer key (when the server has one)",
        "content": {
         "application/json": {
          "schema": {
           "$ref": "#/components/schemas/Error"
          }
         }
        }
       },
       "NotFound": {
        "description": "Unknown route, or (embeddings) a model this server does not serve",
        "content": {
         "application/json": {
          "schema": {
           "$ref": "#/components/schemas/Error"
          }
         }
        }
       },
       "BadRequest": {
        "description": "Malformed JSON, a wrong type or a value out of range; `error.param` names the field",
        "content": {
         "application/json": {
          "schema": {
           "$ref": "#/components/schemas/Error"
          }
         }
        }
       },
       "TooLarge": {
        "description": "Body above the size limit"
       },
       "Overloaded": {
        "description": "Overloaded: retry after the Retry-After header's seconds",
        "content": {
         "application/json": {
          "schema": {
           "$ref": "#/components/schemas/Error"
          }
         }
        }
       },
       "LLMFailed": {
        "description": "The chat model failed for every row alike (bad key, unknown model)",
        "content": {
         "application/json": {
          "schema": {
           "$ref": "#/components/schemas/Error"
          }
         }
        }
       }
      }
     }
    }
    """#
}
